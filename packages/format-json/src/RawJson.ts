/**
 * Re-layout of stored JSON text (`embed_data`, `labels`) without re-encoding
 * it: whitespace outside strings is dropped and, for the indented form,
 * replaced by Go's `json.Indent` layout. String contents (escapes included),
 * number spellings, key order and duplicate keys pass through untouched.
 *
 * Both functions are one hand-written pass over char codes. They assume the
 * text is one well-formed JSON value (the core checked it with `JSON.parse`);
 * given anything else they still terminate and never throw, but the output
 * is unspecified.
 */

const QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \
const COMMA = 0x2c // ,
const COLON = 0x3a // :
const OPEN_BRACE = 0x7b // {
const CLOSE_BRACE = 0x7d // }
const OPEN_BRACKET = 0x5b // [
const CLOSE_BRACKET = 0x5d // ]

/** JSON whitespace: space, TAB, LF, CR. */
const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** `"\n"` followed by two spaces per level, cached by level. */
const newlines: Array<string> = ["\n"]

/** A line break followed by the indentation of nesting level `level` (2 spaces per level). */
export const newline = (level: number): string => {
  while (newlines.length <= level) newlines.push(newlines[newlines.length - 1] + "  ")
  return newlines[level]!
}

/**
 * The index just past the closing quote of the string that opens at `start`.
 * Uses `indexOf` to jump between quotes; a quote preceded by an odd run of
 * backslashes is escaped and skipped.
 */
const stringEnd = (text: string, start: number): number => {
  let from = start + 1
  for (;;) {
    const q = text.indexOf('"', from)
    if (q === -1) return text.length // unterminated: not valid JSON; copy the rest
    let b = q - 1
    while (text.charCodeAt(b) === BACKSLASH) b--
    if (((q - 1 - b) & 1) === 0) return q + 1
    from = q + 1
  }
}

const hasLoneSurrogate: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (s) => !(s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => /\p{Cs}/u.test(s)

/**
 * Text read from SQLite is UTF-8 and never holds a lone surrogate. Should
 * one arrive anyway it can only sit inside a string (the text is valid JSON),
 * so it is written as a `\udxxx` escape, as `JSON.stringify` would: the output
 * stays well-formed UTF-8.
 */
const escapeLoneSurrogates = (s: string): string =>
  hasLoneSurrogate(s) ? s.replace(/\p{Cs}/gu, (c) => "\\u" + c.charCodeAt(0).toString(16)) : s

/**
 * Lays out a JSON value as Go's `json.Indent` does, for a value that starts on
 * a line indented at nesting `level`: members and elements go on their own
 * lines at `level + 1`, the closing bracket back at `level`, `"key": value`
 * with one space, empty containers as `{}` / `[]`. The first character is
 * not indented (the caller has written what precedes the value).
 */
export const indentRawJson = (text: string, level: number): string => {
  text = escapeLoneSurrogates(text)
  const n = text.length
  let depth = level
  let out = ""
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const end = stringEnd(text, i)
      out += text.slice(i, end)
      i = end
    } else if (c === COMMA) {
      out += "," + newline(depth)
      i++
    } else if (c === COLON) {
      out += ": "
      i++
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let j = i + 1
      while (j < n && isWhitespace(text.charCodeAt(j))) j++
      const next = text.charCodeAt(j)
      if (next === CLOSE_BRACE || next === CLOSE_BRACKET) {
        out += c === OPEN_BRACE ? "{}" : "[]"
        i = j + 1
      } else {
        depth++
        out += (c === OPEN_BRACE ? "{" : "[") + newline(depth)
        i = j
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth > level) depth--
      out += newline(depth) + (c === CLOSE_BRACE ? "}" : "]")
      i++
    } else if (isWhitespace(c)) {
      i++
    } else {
      // A number or a literal (true, false, null): copy up to the next delimiter.
      let j = i + 1
      while (j < n) {
        const d = text.charCodeAt(j)
        if (
          d === COMMA ||
          d === CLOSE_BRACE ||
          d === CLOSE_BRACKET ||
          d === COLON ||
          d === QUOTE ||
          d === OPEN_BRACE ||
          d === OPEN_BRACKET ||
          isWhitespace(d)
        )
          break
        j++
      }
      out += text.slice(i, j)
      i = j
    }
  }
  return out
}

/**
 * Removes all whitespace outside strings; nothing else changes. Text that has
 * none is returned as is.
 */
export const compactRawJson = (text: string): string => {
  text = escapeLoneSurrogates(text)
  const n = text.length
  let out = ""
  let run = 0 // start of the pending run of kept characters
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i = stringEnd(text, i)
    } else if (isWhitespace(c)) {
      if (run < i) out += text.slice(run, i)
      i++
      while (i < n && isWhitespace(text.charCodeAt(i))) i++
      run = i
    } else {
      i++
    }
  }
  return run === 0 ? text : out + text.slice(run)
}
