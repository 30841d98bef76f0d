/**
 * `@skyporter/format-csv`: the skyporter format plugin that writes posts as
 * bskyarchive-compatible posts.csv. The default export is the plugin.
 */
import { plugin } from "./CsvPlugin.js"

export { makeSink, plugin } from "./CsvPlugin.js"
export { CsvOptions, type CsvOptionsInput } from "./CsvOptions.js"
export * as Columns from "./Columns.js"
export * as Encoder from "./Encoder.js"
export * as MediaFiles from "./MediaFiles.js"

export default plugin
