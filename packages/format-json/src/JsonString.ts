/**
 * JSON string literals as Go's `encoding/json` writes them (Go 1.22+, HTML
 * escaping off): the same output as `JSON.stringify` except that U+2028 and
 * U+2029 are escaped as `\u2028` / `\u2029`.
 *
 * What both agree on: `"` → `\"`, `\` → `\\`, `\b \f \n \r \t` short forms,
 * every other U+0000–U+001F as `\u00xx` with lowercase hex, everything else
 * (including `<`, `>`, `&`, `/`, U+007F) raw.
 *
 * A JS string can hold a lone surrogate, which Go never sees (it reads UTF-8).
 * `JSON.stringify` writes it as a `\udxxx` escape, so the output stays
 * well-formed UTF-8; this module keeps that.
 */

const LINE_SEPARATORS = /[\u2028\u2029]/g

const escapeLineSeparator = (c: string): string => (c === "\u2028" ? "\\u2028" : "\\u2029")

/** Quotes and escapes `s` as a JSON string literal, byte for byte as Go writes it. */
export const quoteString = (s: string): string => {
  const quoted = JSON.stringify(s)
  // Checking the input is enough: JSON.stringify leaves both characters raw.
  return s.indexOf("\u2028") === -1 && s.indexOf("\u2029") === -1
    ? quoted
    : quoted.replace(LINE_SEPARATORS, escapeLineSeparator)
}
