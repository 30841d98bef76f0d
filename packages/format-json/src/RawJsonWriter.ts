/**
 * Stored JSON (`embed_data`, `labels`) checked and laid out in one pass,
 * straight into bytes: the bytes of `indentRawJson(text, level)` when the text
 * is one well-formed JSON value, and nothing otherwise.
 *
 * The sink used to ask the core (`RawJson.valid`, a `JSON.parse` whose value
 * was dropped) and then lay the text out as a string of many pieces, encoded
 * afterwards: 8 % of a json export's CPU in a profile, and nearly half of the
 * bytes allocated while reading, decoding and encoding. This pass answers
 * both: it accepts exactly the grammar `JSON.parse` accepts (ECMA-404), so a
 * text it rejects is left to the core, which checks it again and warns.
 */
import { type ByteWriter, constant } from "@skyporter/core/ByteWriter"
import { newline } from "./RawJson.js"

const QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \
const COMMA = 0x2c // ,
const COLON = 0x3a // :
const SPACE = 0x20
const MINUS = 0x2d // -
const PLUS = 0x2b // +
const DOT = 0x2e // .
const ZERO = 0x30
const NINE = 0x39
const OPEN_BRACE = 0x7b // {
const CLOSE_BRACE = 0x7d // }
const OPEN_BRACKET = 0x5b // [
const CLOSE_BRACKET = 0x5d // ]

export const TRUE = constant("true")
export const FALSE = constant("false")
export const NULL = constant("null")
export const EMPTY_OBJECT = constant("{}")
export const EMPTY_ARRAY = constant("[]")
const HEX = Buffer.from("0123456789abcdef", "latin1")

/** `newline(level)` as bytes, by level. */
const breaks: Array<Uint8Array> = []
export const lineBreak = (level: number): Uint8Array => {
  while (breaks.length <= level) breaks.push(constant(newline(breaks.length)))
  return breaks[level]!
}

/** The index of the first character at or after `i` that is not JSON whitespace (space, TAB, LF, CR). */
const skipWhitespace = (s: string, i: number): number => {
  for (;;) {
    const c = s.charCodeAt(i)
    if (c !== SPACE && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

export const isDigit = (c: number): boolean => c >= ZERO && c <= NINE

export const isHex = (c: number): boolean => (c >= ZERO && c <= NINE) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)

/** Whether `c` may follow a backslash: `" \ / b f n r t` (`u` is checked with its digits). */
export const isShortEscape = (c: number): boolean =>
  c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74

/**
 * Copies the string literal that opens at `i` as UTF-8, escapes as written;
 * returns the index past its closing quote, or -1 when it is not a JSON string.
 * A lone surrogate (which `JSON.parse` accepts) is written as `\udxxx`, as
 * `indentRawJson` writes it, so the output stays well-formed UTF-8.
 *
 * The UTF-8 encoding is spelled out here as in `PostWriter`'s string writer
 * rather than shared: with the shared helpers V8 inlined less, and the json
 * sink measured 0.07–0.2 µs per post slower.
 */
const string = (out: ByteWriter, s: string, i: number): number => {
  const n = s.length
  // At most 3 bytes per unit for the rest of the text; a lone surrogate (6) reserves again.
  let buffer = out.reserve(3 * (n - i) + 1)
  let at = out.length
  buffer[at++] = QUOTE
  let j = i + 1
  for (;;) {
    if (j >= n) return -1
    const c = s.charCodeAt(j)
    if (c < 0x80) {
      if (c === QUOTE) {
        buffer[at++] = QUOTE
        out.length = at
        return j + 1
      }
      if (c < 0x20) return -1
      if (c === BACKSLASH) {
        const e = s.charCodeAt(j + 1)
        if (isShortEscape(e)) {
          buffer[at++] = BACKSLASH
          buffer[at++] = e
          j += 2
          continue
        }
        if (
          e !== 0x75 ||
          !isHex(s.charCodeAt(j + 2)) ||
          !isHex(s.charCodeAt(j + 3)) ||
          !isHex(s.charCodeAt(j + 4)) ||
          !isHex(s.charCodeAt(j + 5))
        )
          return -1
        for (let k = 0; k < 6; k++) buffer[at++] = s.charCodeAt(j + k)
        j += 6
        continue
      }
      buffer[at++] = c
    } else if (c < 0x800) {
      buffer[at++] = 0xc0 | (c >> 6)
      buffer[at++] = 0x80 | (c & 0x3f)
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = j + 1 < n ? s.charCodeAt(j + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        buffer[at++] = 0xf0 | (cp >> 18)
        buffer[at++] = 0x80 | ((cp >> 12) & 0x3f)
        buffer[at++] = 0x80 | ((cp >> 6) & 0x3f)
        buffer[at++] = 0x80 | (cp & 0x3f)
        j++
      } else {
        out.length = at
        buffer = out.reserve(6 * (n - j) + 1)
        buffer[at++] = BACKSLASH
        buffer[at++] = 0x75
        buffer[at++] = HEX[c >> 12]!
        buffer[at++] = HEX[(c >> 8) & 15]!
        buffer[at++] = HEX[(c >> 4) & 15]!
        buffer[at++] = HEX[c & 15]!
      }
    } else {
      buffer[at++] = 0xe0 | (c >> 12)
      buffer[at++] = 0x80 | ((c >> 6) & 0x3f)
      buffer[at++] = 0x80 | (c & 0x3f)
    }
    j++
  }
}

/** The index past the digits from `i` (none when `i` is not a digit). */
const digitsEnd = (s: string, i: number): number => {
  while (isDigit(s.charCodeAt(i))) i++
  return i
}

/**
 * Copies the number that starts at `i` (`-`? int frac? exp?); returns the
 * index past it, or -1 when none starts there.
 */
const number = (out: ByteWriter, s: string, i: number): number => {
  let j = s.charCodeAt(i) === MINUS ? i + 1 : i
  const first = s.charCodeAt(j)
  if (first === ZERO) j++
  else if (isDigit(first)) j = digitsEnd(s, j + 1)
  else return -1
  if (s.charCodeAt(j) === DOT) {
    const end = digitsEnd(s, j + 1)
    if (end === j + 1) return -1
    j = end
  }
  const e = s.charCodeAt(j)
  if (e === 0x65 || e === 0x45) {
    let k = j + 1
    const sign = s.charCodeAt(k)
    if (sign === PLUS || sign === MINUS) k++
    const end = digitsEnd(s, k)
    if (end === k) return -1
    j = end
  }
  const buffer = out.reserve(j - i)
  let at = out.length
  for (let k = i; k < j; k++) buffer[at++] = s.charCodeAt(k)
  out.length = at
  return j
}

/** Copies `literal` if `s` spells it at `i`; returns the index past it, or -1. */
const literal = (out: ByteWriter, s: string, i: number, word: string, bytes: Uint8Array): number => {
  if (!s.startsWith(word, i)) return -1
  out.bytes(bytes)
  return i + word.length
}

/** An object member's `"key": `, from `i` (after whitespace); the index of its value, or -1. */
const key = (out: ByteWriter, s: string, i: number): number => {
  if (s.charCodeAt(i) !== QUOTE) return -1
  const end = string(out, s, i)
  if (end < 0) return -1
  const colon = skipWhitespace(s, end)
  if (s.charCodeAt(colon) !== COLON) return -1
  out.byte(COLON)
  out.byte(SPACE)
  return skipWhitespace(s, colon + 1)
}

/**
 * The open containers of the value being read, innermost last (their opening
 * character). Kept between calls: a pass that returns early leaves it to be
 * cleared by the next.
 */
const open: Array<number> = []

/**
 * Appends `text` laid out as `indentRawJson(text, level)` lays it out, as
 * UTF-8, and returns true when `text` is one well-formed JSON value; otherwise
 * appends nothing and returns false. Nesting is followed with a stack, not
 * recursion, so any depth `JSON.parse` reads is read here.
 */
export const writeIndented = (out: ByteWriter, text: string, level: number): boolean => {
  const start = out.length
  if (layout(out, text, level)) return true
  out.length = start
  return false
}

const layout = (out: ByteWriter, s: string, level: number): boolean => {
  open.length = 0
  let depth = level
  let i = skipWhitespace(s, 0)
  for (;;) {
    // A value starts at i.
    const c = s.charCodeAt(i)
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET
      const inner = skipWhitespace(s, i + 1)
      if (s.charCodeAt(inner) === close) {
        out.bytes(c === OPEN_BRACE ? EMPTY_OBJECT : EMPTY_ARRAY)
        i = inner + 1
      } else {
        depth++
        out.byte(c)
        out.bytes(lineBreak(depth))
        open.push(c)
        i = c === OPEN_BRACE ? key(out, s, inner) : inner
        if (i < 0) return false
        continue
      }
    } else if (c === QUOTE) {
      i = string(out, s, i)
    } else if (c === MINUS || isDigit(c)) {
      i = number(out, s, i)
    } else if (c === 0x74) {
      i = literal(out, s, i, "true", TRUE)
    } else if (c === 0x66) {
      i = literal(out, s, i, "false", FALSE)
    } else if (c === 0x6e) {
      i = literal(out, s, i, "null", NULL)
    } else {
      return false
    }
    if (i < 0) return false
    // The value ended at i: close containers until one continues with `,`.
    for (;;) {
      i = skipWhitespace(s, i)
      if (open.length === 0) return i === s.length
      const container = open[open.length - 1]!
      const next = s.charCodeAt(i)
      if (next === COMMA) {
        out.byte(COMMA)
        out.bytes(lineBreak(depth))
        i = skipWhitespace(s, i + 1)
        if (container === OPEN_BRACE) i = key(out, s, i)
        if (i < 0) return false
        break
      }
      if (next !== (container === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) return false
      open.pop()
      depth--
      out.bytes(lineBreak(depth))
      out.byte(next)
      i++
    }
  }
}
