/**
 * The `csv` format plugin: posts.csv as bskyarchive writes it.
 */
import { FormatPlugin, type Post } from "@skyporter/core"
import { Effect } from "effect"
import { createRequire } from "node:module"
import * as Columns from "./Columns.js"
import { CsvOptions } from "./CsvOptions.js"
import * as Encoder from "./Encoder.js"

const pkg = createRequire(import.meta.url)("../package.json") as { readonly version: string }

const NAME = "csv"

/** A FormatError for something csv-stringify threw (the core adds the format name and batch number). */
const failure = (action: string) => (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not ${action}: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * A sink for one export. It keeps no state between batches: each record is
 * encoded on its own, so the bytes do not depend on how posts are batched.
 */
export const makeSink = (options: CsvOptions): FormatPlugin.FormatSink => {
  const encode = Encoder.make(options)
  const head = (options.bom ? Encoder.BOM : "") + Encoder.HEADER_LINE
  return {
    start: Effect.succeed(head),
    write: (batch: Post.PostBatch) =>
      Effect.try({
        try: () => encode(batch.map(Columns.toRow)),
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
  make: (options) => Effect.sync(() => makeSink(options))
})
