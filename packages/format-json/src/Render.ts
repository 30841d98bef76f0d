/**
 * The JSON value rendering the `json` format is built on, by a public name
 * (`@skyporter/format-json/render`) for formats that write the same JSON
 * values (e.g. NDJSON). Loads neither the plugin nor its writer.
 */
export { encodeBatch, type Scratch, scratch } from "./Batch.js"
export { quoteString } from "./JsonString.js"
export { renderPost, renderPostCompact } from "./PostJson.js"
export { compactRawJson, indentRawJson } from "./RawJson.js"
