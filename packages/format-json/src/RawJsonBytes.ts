/**
 * Stored JSON laid out straight from its UTF-8 bytes: what `writeIndented`
 * writes for the decoded text, without decoding it into a string. The
 * grammar and layout are `RawJsonWriter`'s, read from bytes; it is spelled
 * out again rather than shared because the string version is the json
 * sink's hot path and an accessor in between slows it.
 *
 * Bytes that are not well-formed UTF-8 are refused (false) like text that
 * is not JSON: the core would have decoded them with replacement
 * characters, and the caller writes the decoded post instead.
 */
import type { ByteWriter } from "@skyporter/core/ByteWriter"
import {
  EMPTY_ARRAY,
  EMPTY_OBJECT,
  FALSE,
  isDigit,
  isHex,
  isShortEscape,
  lineBreak,
  NULL,
  TRUE
} from "./RawJsonWriter.js"
import { copyPlain, sequence } from "./Utf8.js"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const SPACE = 0x20
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

const NOTHING = new Uint8Array(0)

/** The value being read: `b[..e)` (the batch's buffer goes on past `e`). */
let b: Uint8Array = NOTHING
let e = 0

/** The byte at `i`, or -1 past the value's end. */
const code = (i: number): number => (i < e ? b[i]! : -1)

const skipWhitespace = (i: number): number => {
  for (;;) {
    const c = code(i)
    if (c !== SPACE && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

/** Copies the string literal that opens at `i`; the index past it, or -1 when it is not a JSON string in UTF-8. */
const string = (out: ByteWriter, i: number): number => {
  // Escapes and UTF-8 are copied as they are: never longer than the input.
  const buffer = out.reserve(e - i)
  let at = out.length
  buffer[at++] = QUOTE
  let j = i + 1
  for (;;) {
    const plain = copyPlain(buffer, at, b, j, e)
    at += plain - j
    j = plain
    if (j >= e) return -1
    const c = b[j]!
    if (c === QUOTE) {
      buffer[at++] = QUOTE
      out.length = at
      return j + 1
    }
    if (c < 0x20) return -1
    if (c === BACKSLASH) {
      const x = code(j + 1)
      if (isShortEscape(x)) {
        buffer[at++] = BACKSLASH
        buffer[at++] = x
        j += 2
        continue
      }
      if (x !== 0x75 || !isHex(code(j + 2)) || !isHex(code(j + 3)) || !isHex(code(j + 4)) || !isHex(code(j + 5)))
        return -1
      for (let k = j; k < j + 6; k++) buffer[at++] = b[k]!
      j += 6
    } else if (c < 0x80) {
      buffer[at++] = c
      j++
    } else {
      const n = sequence(b, j, e)
      if (n === 0) return -1
      for (let k = j; k < j + n; k++) buffer[at++] = b[k]!
      j += n
    }
  }
}

const digitsEnd = (i: number): number => {
  while (isDigit(code(i))) i++
  return i
}

/** Copies the number that starts at `i`; the index past it, or -1. */
const number = (out: ByteWriter, i: number): number => {
  let j = code(i) === 0x2d ? i + 1 : i
  const first = code(j)
  if (first === 0x30) j++
  else if (isDigit(first)) j = digitsEnd(j + 1)
  else return -1
  if (code(j) === 0x2e) {
    const end = digitsEnd(j + 1)
    if (end === j + 1) return -1
    j = end
  }
  const x = code(j)
  if (x === 0x65 || x === 0x45) {
    let k = j + 1
    const sign = code(k)
    if (sign === 0x2b || sign === 0x2d) k++
    const end = digitsEnd(k)
    if (end === k) return -1
    j = end
  }
  const buffer = out.reserve(j - i)
  let at = out.length
  for (let k = i; k < j; k++) buffer[at++] = b[k]!
  out.length = at
  return j
}

/** Copies `word` if the bytes spell it at `i`; the index past it, or -1. */
const literal = (out: ByteWriter, i: number, word: Uint8Array): number => {
  for (let k = 0; k < word.length; k++) if (code(i + k) !== word[k]) return -1
  out.bytes(word)
  return i + word.length
}

/** An object member's `"key": `, from `i`; the index of its value, or -1. */
const key = (out: ByteWriter, i: number): number => {
  if (code(i) !== QUOTE) return -1
  const end = string(out, i)
  if (end < 0) return -1
  const colon = skipWhitespace(end)
  if (code(colon) !== COLON) return -1
  out.byte(COLON)
  out.byte(SPACE)
  return skipWhitespace(colon + 1)
}

/** The open containers, innermost last (cleared by each pass). */
const open: Array<number> = []

/**
 * Appends `bytes[start..end)` laid out as `writeIndented` lays out its
 * decoded text, and returns true when it is one well-formed JSON value in
 * well-formed UTF-8; otherwise appends nothing and returns false.
 */
export const writeIndentedBytes = (
  out: ByteWriter,
  bytes: Uint8Array,
  start: number,
  end: number,
  level: number
): boolean => {
  const from = out.length
  b = bytes
  e = end
  const ok = layout(out, start, level)
  b = NOTHING
  if (!ok) out.length = from
  return ok
}

const layout = (out: ByteWriter, start: number, level: number): boolean => {
  open.length = 0
  let depth = level
  let i = skipWhitespace(start)
  for (;;) {
    const c = code(i)
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET
      const inner = skipWhitespace(i + 1)
      if (code(inner) === close) {
        out.bytes(c === OPEN_BRACE ? EMPTY_OBJECT : EMPTY_ARRAY)
        i = inner + 1
      } else {
        depth++
        out.byte(c)
        out.bytes(lineBreak(depth))
        open.push(c)
        i = c === OPEN_BRACE ? key(out, inner) : inner
        if (i < 0) return false
        continue
      }
    } else if (c === QUOTE) {
      i = string(out, i)
    } else if (c === 0x2d || isDigit(c)) {
      i = number(out, i)
    } else if (c === 0x74) {
      i = literal(out, i, TRUE)
    } else if (c === 0x66) {
      i = literal(out, i, FALSE)
    } else if (c === 0x6e) {
      i = literal(out, i, NULL)
    } else {
      return false
    }
    if (i < 0) return false
    // The value ended at i: close containers until one continues with `,`.
    for (;;) {
      i = skipWhitespace(i)
      if (open.length === 0) return i === e
      const container = open[open.length - 1]!
      const next = code(i)
      if (next === COMMA) {
        out.byte(COMMA)
        out.bytes(lineBreak(depth))
        i = skipWhitespace(i + 1)
        if (container === OPEN_BRACE) i = key(out, i)
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
