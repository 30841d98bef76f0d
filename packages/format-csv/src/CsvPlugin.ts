/**
 * The `csv` format plugin: posts.csv as bskyarchive writes it.
 */
import { define, type Sink } from "@skyporter/plugin"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { CsvOptions } from "./CsvOptions.js"
import * as BatchText from "@skyporter/core/BatchText"
import * as Encoder from "./Encoder.js"
import * as RecordEncoder from "./RecordEncoder.js"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const pkg = require("@skyporter/format-csv/package.json") as { readonly version: string }

const NAME = "csv"

/**
 * A sink for one export. It keeps no state between batches: each record is
 * encoded on its own, so the bytes do not depend on how posts are batched.
 * A batch comes back as a string when short, else as UTF-8 bytes; from
 * stored records (`writeRecords`), always as bytes.
 */
export const makeSink = (options: CsvOptions): Sink => {
  const into = BatchText.scratch()
  const encode = Encoder.makeBatch(options, into)
  const encodeRecords = RecordEncoder.makeBatch(options, into)
  const head = (options.bom ? Encoder.BOM : "") + Encoder.HEADER_LINE
  return { start: () => head, write: (batch) => encode(batch), writeRecords: (records) => encodeRecords(records) }
}

export const plugin = define<CsvOptions>({
  name: NAME,
  version: pkg.version,
  extension: "csv",
  mediaType: "text/csv; charset=utf-8",
  description: "posts.csv as bskyarchive writes it (UTF-8 with BOM, LF line ends)",
  apiVersion: 2,
  options: CsvOptions,
  make: (options) => makeSink(options),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-csv")).href }
})
