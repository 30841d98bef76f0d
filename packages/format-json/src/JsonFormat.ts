/**
 * The `json` format plugin: bskyarchive-compatible posts.json.
 *
 * File layout: `[` LF, the posts (each indented at nesting level 1) joined by
 * `,` LF, then LF `]` LF; an export without posts is `[]` LF. The sink writes
 * `[` on start, each post preceded by LF (first post) or `,` LF (any later
 * post), and LF `]` LF (or `]` LF when nothing was written) at the end, so the
 * bytes do not depend on how posts are split into batches.
 */
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
// Deep imports: worker threads load this plugin, and the barrels cost a second each.
import * as FormatPlugin from "@skyporter/core/FormatPlugin"
import * as Effect from "effect/Effect"
import * as PostWriter from "./PostWriter.js"

const NAME = "json"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const { version } = require("@skyporter/format-json/package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const JsonOptions = FormatPlugin.noOptions(NAME)

export type JsonOptions = typeof JsonOptions.Type

const FIRST_SEPARATOR = Buffer.from("\n  ")
const SEPARATOR = Buffer.from(",\n  ")

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as JSON: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * A fresh posts.json encoder. Whether a post is the first (no comma before
 * it) follows from its position in the export, and the closing line from the
 * export's total, so several sinks can encode parts of one export. Callers
 * that give no context get the same bytes from a count this sink keeps.
 */
const makeSink = (context?: FormatPlugin.SinkContext): FormatPlugin.FormatSink => {
  let written = 0
  // Reused for every batch: the core is done with a chunk before it writes the next.
  const out = new PostWriter.ByteWriter()
  return {
    start: Effect.succeed("["),
    write: (batch, position) =>
      Effect.try({
        try: () => {
          const index = position?.offset ?? written
          written = index + batch.length
          out.reset()
          for (let i = 0; i < batch.length; i++) {
            out.bytes(index + i === 0 ? FIRST_SEPARATOR : SEPARATOR)
            PostWriter.post(out, batch[i]!)
          }
          return out.view()
        },
        catch: failure
      }),
    end: Effect.sync(() => ((context?.total ?? written) > 0 ? "\n]\n" : "]\n"))
  }
}

export const jsonFormat: FormatPlugin.FormatPlugin<JsonOptions> = FormatPlugin.define<JsonOptions>({
  name: NAME,
  version,
  extension: "json",
  mediaType: "application/json",
  description: "posts.json as bskyarchive writes it: an indented JSON array of post objects",
  apiVersion: FormatPlugin.API_VERSION,
  options: JsonOptions,
  make: (_options, context) => Effect.sync(() => makeSink(context)),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-json")).href }
})
