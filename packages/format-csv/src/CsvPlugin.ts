/**
 * The `csv` format plugin: posts.csv as bskyarchive writes it.
 */
// Deep imports: worker threads load this plugin, and the barrels cost a second each.
import * as FormatPlugin from "@skyporter/core/FormatPlugin"
import type * as Post from "@skyporter/core/Post"
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { CsvOptions } from "./CsvOptions.js"
import * as Encoder from "./Encoder.js"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const pkg = require("@skyporter/format-csv/package.json") as { readonly version: string }

const NAME = "csv"

/** A FormatError for something the encoder threw (the core adds the format name and batch number). */
const failure = (action: string) => (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not ${action}: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * A sink for one export. It keeps no state between batches: each record is
 * encoded on its own, so the bytes do not depend on how posts are batched.
 * A batch comes back as a string when short, else as UTF-8 bytes.
 */
export const makeSink = (options: CsvOptions): FormatPlugin.FormatSink => {
  const encode = Encoder.makeBatch(options)
  const head = (options.bom ? Encoder.BOM : "") + Encoder.HEADER_LINE
  return {
    start: Effect.succeed(head),
    write: (batch: Post.PostBatch) =>
      Effect.try({
        try: () => encode(batch),
        catch: failure("encode the posts as CSV")
      }),
    end: Effect.succeed("")
  }
}

export const plugin: FormatPlugin.FormatPlugin<CsvOptions> = FormatPlugin.define({
  name: NAME,
  version: pkg.version,
  extension: "csv",
  mediaType: "text/csv; charset=utf-8",
  description: "posts.csv as bskyarchive writes it (UTF-8 with BOM, LF line ends)",
  apiVersion: FormatPlugin.API_VERSION,
  options: CsvOptions,
  make: (options) => Effect.sync(() => makeSink(options)),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-csv")).href }
})
