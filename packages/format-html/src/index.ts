/**
 * `@skyporter/format-html`: the `html` format plugin (posts.html, an offline
 * page to read and search posts). The default export is the plugin.
 */
import { htmlFormat } from "./HtmlFormat.js"

export { HtmlOptions, htmlFormat, MAX_POSTS } from "./HtmlFormat.js"
export { BLOCK, batch, foot, head, policy } from "./Page.js"

export default htmlFormat
