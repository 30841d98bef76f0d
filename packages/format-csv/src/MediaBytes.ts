/**
 * The `MediaFiles` cell from stored `embed_data` bytes: the file names
 * `MediaFiles.fromRawJson` lists, found by walking the JSON as bytes. The
 * whole text is checked to be one well-formed JSON value first (invalid JSON
 * warns when the encoder reads it, so such a post is refused here). Where
 * reading a name would need a `\` escape undone (in a key on the way or in a
 * URL), the post is refused too, and is written from its decoded post.
 */
import { sequenceLength } from "./Utf8Cell.js"

/** Deeper nesting is refused rather than recursed into. */
const MAX_DEPTH = 256

/** What a byte means inside a JSON string: 0 itself, 1 `"`, 2 `\\`, 3 a control character, 4 non-ASCII. */
const IN_STRING = new Uint8Array(256)
IN_STRING.fill(3, 0, 0x20)
IN_STRING[0x22] = 1
IN_STRING[0x5c] = 2
IN_STRING.fill(4, 0x80)

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

const skipSpace = (b: Uint8Array, i: number, e: number): number => {
  while (i < e && isSpace(b[i]!)) i++
  return i
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)

/** Whether the last string `skipString` read held an escape. */
let escaped = false

/**
 * The end of the JSON string opening at `i` (after its closing `"`), or -1.
 * Every read checks `< e`: the bytes after `e` are other fields.
 */
const skipString = (b: Uint8Array, i: number, e: number): number => {
  escaped = false
  i++
  for (;;) {
    while (i < e && IN_STRING[b[i]!] === 0) i++
    if (i >= e) return -1
    const role = IN_STRING[b[i]!]
    if (role === 1) return i + 1
    if (role === 2) {
      escaped = true
      const x = i + 1 < e ? b[i + 1]! : -1
      if (x === 0x75) {
        if (i + 5 >= e || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!)) return -1
        i += 6
      } else if (
        x === 0x22 ||
        x === 0x5c ||
        x === 0x2f ||
        x === 0x62 ||
        x === 0x66 ||
        x === 0x6e ||
        x === 0x72 ||
        x === 0x74
      ) {
        i += 2
      } else return -1
    } else if (role === 3) return -1
    else {
      const n = sequenceLength(b, i, e)
      if (n === 0) return -1
      i += n
    }
  }
}

const skipDigits = (b: Uint8Array, i: number, e: number): number => {
  while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++
  return i
}

/** The end of the JSON number at `i`, or -1: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. */
const skipNumber = (b: Uint8Array, i: number, e: number): number => {
  if (b[i] === 0x2d) i++
  if (i >= e) return -1
  if (b[i] === 0x30) i++
  else {
    const j = skipDigits(b, i, e)
    if (j === i) return -1
    i = j
  }
  if (i < e && b[i] === 0x2e) {
    const j = skipDigits(b, i + 1, e)
    if (j === i + 1) return -1
    i = j
  }
  if (i < e && (b[i]! | 0x20) === 0x65) {
    i++
    if (i < e && (b[i] === 0x2b || b[i] === 0x2d)) i++
    const j = skipDigits(b, i, e)
    if (j === i) return -1
    i = j
  }
  return i
}

const literal = (b: Uint8Array, i: number, e: number, word: string): number => {
  if (i + word.length > e) return -1
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1
  return i + word.length
}

/** Whether the key `b[s, e)` (without quotes) is `name` (ASCII). */
const isKey = (b: Uint8Array, s: number, e: number, name: string): boolean => {
  if (e - s !== name.length) return false
  for (let k = 0; k < name.length; k++) if (b[s + k] !== name.charCodeAt(k)) return false
  return true
}

/**
 * Where a value sits, for the names it may list (`MediaFiles.fromEmbed`):
 * the whole embed, its `images` array, an image object, its `media` object,
 * its `external` object, or anywhere else.
 */
const TOP = 0
const IMAGES = 1
const IMAGE = 2
const MEDIA = 3
const EXTERNAL = 4
const ELSEWHERE = 5

/** Names found so far as byte ranges `[start, end, …]`: of `images`, `media.images` and `external.thumb`. */
const imageNames: Array<number> = []
const mediaNames: Array<number> = []
const externalNames: Array<number> = []

/** Adds the file name of the URL string `b[s, e)` (no quotes, no escapes): after its last `/`, up to the next `@`. */
const addUrl = (b: Uint8Array, s: number, e: number, names: Array<number>): void => {
  let slash = e - 1
  while (slash >= s && b[slash] !== 0x2f) slash--
  if (slash < s) return
  let at = slash + 1
  while (at < e && b[at] !== 0x40) at++
  if (at > slash + 1) names.push(slash + 1, at)
}

/**
 * The end of the JSON value at `i` (no leading space), or -1 when it is not
 * one, nests too deep, or a name would be read through an escape. Names are
 * added to `names` as `where` says; a repeated key replaces what its earlier
 * value listed, as `JSON.parse` keeps the last.
 */
const skipValue = (b: Uint8Array, i: number, e: number, depth: number, where: number, names: Array<number>): number => {
  const c = b[i]
  if (c === 0x22) return skipString(b, i, e)
  if (c === 0x7b) return skipObject(b, i, e, depth, where, names)
  if (c === 0x5b) {
    if (depth >= MAX_DEPTH) return -1
    const inner = where === IMAGES ? IMAGE : ELSEWHERE
    i = skipSpace(b, i + 1, e)
    if (i < e && b[i] === 0x5d) return i + 1
    for (;;) {
      if (i >= e) return -1
      i = skipValue(b, i, e, depth + 1, inner, names)
      if (i < 0) return -1
      i = skipSpace(b, i, e)
      if (i >= e) return -1
      if (b[i] === 0x5d) return i + 1
      if (b[i] !== 0x2c) return -1
      i = skipSpace(b, i + 1, e)
    }
  }
  if (c === 0x74) return literal(b, i, e, "true")
  if (c === 0x66) return literal(b, i, e, "false")
  if (c === 0x6e) return literal(b, i, e, "null")
  return skipNumber(b, i, e)
}

const skipObject = (
  b: Uint8Array,
  i: number,
  e: number,
  depth: number,
  where: number,
  names: Array<number>
): number => {
  if (depth >= MAX_DEPTH) return -1
  const keys = where === TOP || where === IMAGE || where === MEDIA || where === EXTERNAL
  // The last `fullsize` (image) or `thumb` (external) string: [start, end) inside its quotes.
  let urlStart = -1
  let urlEnd = -1
  i = skipSpace(b, i + 1, e)
  if (i < e && b[i] === 0x7d) return i + 1
  for (;;) {
    if (i >= e || b[i] !== 0x22) return -1
    const keyStart = i + 1
    i = skipString(b, i, e)
    if (i < 0 || (keys && escaped)) return -1
    const keyEnd = i - 1
    i = skipSpace(b, i, e)
    if (i >= e || b[i] !== 0x3a) return -1
    i = skipSpace(b, i + 1, e)
    if (i >= e) return -1
    let inner = ELSEWHERE
    let into = names
    if (where === TOP) {
      if (isKey(b, keyStart, keyEnd, "images")) {
        inner = IMAGES
        into = imageNames
      } else if (isKey(b, keyStart, keyEnd, "media")) {
        inner = MEDIA
        into = mediaNames
      } else if (isKey(b, keyStart, keyEnd, "external")) {
        inner = EXTERNAL
        into = externalNames
      }
      if (inner !== ELSEWHERE) into.length = 0
    } else if (where === MEDIA && isKey(b, keyStart, keyEnd, "images")) {
      inner = IMAGES
      names.length = 0
    }
    const valueAt = i
    i = skipValue(b, i, e, depth + 1, inner, into)
    if (i < 0) return -1
    if (
      (where === IMAGE && isKey(b, keyStart, keyEnd, "fullsize")) ||
      (where === EXTERNAL && isKey(b, keyStart, keyEnd, "thumb"))
    ) {
      // Only a string counts; one with an escape would need undoing.
      if (b[valueAt] === 0x22 && escaped) return -1
      urlStart = b[valueAt] === 0x22 ? valueAt + 1 : -1
      urlEnd = i - 1
    }
    i = skipSpace(b, i, e)
    if (i >= e) return -1
    if (b[i] === 0x7d) {
      if (urlStart >= 0) addUrl(b, urlStart, urlEnd, names)
      return i + 1
    }
    if (b[i] !== 0x2c) return -1
    i = skipSpace(b, i + 1, e)
  }
}

/** Collects file names as byte ranges: `[start, end, start, end, …]`. */
export type Names = Array<number>

/**
 * Adds the file names of `embed_data` bytes `b[s, e)` (not empty) to `names`,
 * in column order. False when the encoder's own path is needed: the bytes
 * are not one well-formed JSON value, or a name would be read through an
 * escape.
 */
export const fileNames = (b: Uint8Array, s: number, e: number, names: Names): boolean => {
  imageNames.length = 0
  mediaNames.length = 0
  externalNames.length = 0
  const i = skipSpace(b, s, e)
  if (i >= e) return false
  const end = skipValue(b, i, e, 0, TOP, names)
  if (end < 0 || skipSpace(b, end, e) !== e) return false
  for (const list of [imageNames, mediaNames, externalNames]) for (const n of list) names.push(n)
  return true
}
