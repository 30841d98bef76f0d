/**
 * `@skyporter/format-ndjson`: the `ndjson` format plugin (one compact JSON
 * object per post, one post per line). The default export is the plugin.
 */
import { ndjsonFormat } from "./NdjsonFormat.js"

export { ndjsonFormat, NdjsonOptions, renderLine } from "./NdjsonFormat.js"

export default ndjsonFormat
