/**
 * Escaping for the two places untrusted text reaches the page's bytes: JSON
 * inside a `<script type="application/json">` data block, and text inside
 * HTML markup (the page title).
 */

/**
 * JSON text made safe inside a `<script>` element. Every `<` becomes
 * `\u003c`, so neither `</script` nor `<!--` can end or change the element;
 * JSON has `<` only inside strings, where the escape means the same
 * character. U+2028 and U+2029 are escaped too, so the block is also valid
 * JavaScript should anyone paste it into a script.
 */
export const scriptJson = (json: string): string =>
  json.replace(/[<\u2028\u2029]/g, (c) => (c === "<" ? "\\u003c" : c === "\u2028" ? "\\u2028" : "\\u2029"))

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

/** Text as HTML character data or a quoted attribute value: `& < > " '` as entities. */
export const html = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
