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
import { define, noOptions, type Sink, type SinkContext } from "@skyporter/plugin"
import * as PostWriter from "./PostWriter.js"
import * as RecordWriter from "./RecordWriter.js"

const NAME = "json"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const { version } = require("@skyporter/format-json/package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const JsonOptions = noOptions

export type JsonOptions = Record<string, never>

const FIRST_SEPARATOR = Buffer.from("\n  ")
const SEPARATOR = Buffer.from(",\n  ")

/**
 * A fresh posts.json encoder. Whether a post is the first (no comma before
 * it) follows from its position in the export, and the closing line from the
 * export's total, so several sinks can encode parts of one export. Callers
 * that give no context get the same bytes from a count this sink keeps.
 */
export const makeSink = (context?: SinkContext): Sink => {
  let written = 0
  // Reused for every batch: the core is done with a chunk before it writes the next.
  const out = new PostWriter.ByteWriter()
  return {
    start: () => "[",
    write: (batch, position) => {
      const index = position?.offset ?? written
      written = index + batch.length
      out.reset()
      for (let i = 0; i < batch.length; i++) {
        out.bytes(index + i === 0 ? FIRST_SEPARATOR : SEPARATOR)
        PostWriter.post(out, batch[i]!)
      }
      return out.view()
    },
    writeRecords: (records, position) => {
      const index = position?.offset ?? written
      written = index + records.length
      out.reset()
      for (let i = 0; i < records.length; i++) {
        out.bytes(index + i === 0 ? FIRST_SEPARATOR : SEPARATOR)
        // Declined records (see RecordWriter) are decoded, which counts their warnings.
        if (!RecordWriter.record(out, records, i * RecordWriter.FIELDS)) PostWriter.post(out, records.post(i))
      }
      return out.view()
    },
    end: () => ((context?.total ?? written) > 0 ? "\n]\n" : "]\n")
  }
}

export const jsonFormat = define<JsonOptions>({
  name: NAME,
  version,
  extension: "json",
  mediaType: "application/json",
  description: "posts.json as bskyarchive writes it: an indented JSON array of post objects",
  apiVersion: 2,
  options: JsonOptions,
  make: (_options, context) => makeSink(context),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-json")).href }
})
