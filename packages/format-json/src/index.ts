/**
 * `@skyporter/format-json`: the `json` format plugin (bskyarchive-compatible
 * posts.json), and the value rendering it is built on, for formats that
 * write the same JSON values (e.g. NDJSON).
 */
import { jsonFormat } from "./JsonFormat.js"

export { encodeBatch, type Scratch, scratch } from "./Batch.js"
export { jsonFormat, JsonOptions } from "./JsonFormat.js"
export { quoteString } from "./JsonString.js"
export { renderPost, renderPostCompact } from "./PostJson.js"
export { compactRawJson, indentRawJson } from "./RawJson.js"

export default jsonFormat
