/**
 * The `ndjson` format plugin: posts.ndjson, one post per line.
 *
 * Each line is the post as one compact JSON object — the same keys, order,
 * omissions and value rendering as the `json` format (`renderPostCompact`) —
 * followed by LF. Nothing comes before the first line or after the last, so an
 * export without posts is an empty file, and the bytes cannot depend on how
 * posts are split into batches: the sink keeps no state at all.
 */
// Deep imports: worker threads load this plugin, and the barrels cost a second each.
import * as FormatPlugin from "@skyporter/core/FormatPlugin"
import type * as Post from "@skyporter/core/Post"
import { encodeBatch, scratch } from "@skyporter/format-json/Batch"
import { renderPostCompact } from "@skyporter/format-json/PostJson"
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"

const NAME = "ndjson"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const { version } = require("@skyporter/format-ndjson/package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const NdjsonOptions = FormatPlugin.noOptions(NAME)

export type NdjsonOptions = typeof NdjsonOptions.Type

/** One line of posts.ndjson, LF included. */
export const renderLine = (post: Post.Post): string => renderPostCompact(post) + "\n"

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as NDJSON: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * A posts.ndjson encoder. Its bytes depend on nothing but each batch; its
 * only state is the buffer it encodes into, so each export gets its own.
 */
export const makeSink = (): FormatPlugin.FormatSink => {
  const into = scratch()
  return {
    start: Effect.succeed(""),
    write: (batch) => Effect.try({ try: () => encodeBatch(batch, renderLine, into), catch: failure }),
    end: Effect.succeed("")
  }
}

export const ndjsonFormat: FormatPlugin.FormatPlugin<NdjsonOptions> = FormatPlugin.define<NdjsonOptions>({
  name: NAME,
  version,
  extension: "ndjson",
  mediaType: "application/x-ndjson",
  description: "posts.ndjson: one compact JSON object per post, one post per line",
  apiVersion: FormatPlugin.API_VERSION,
  options: NdjsonOptions,
  make: () => Effect.sync(makeSink),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-ndjson")).href }
})
