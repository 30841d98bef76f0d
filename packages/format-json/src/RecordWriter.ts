/**
 * posts.json written from posts' stored bytes (`PostRecords`): the bytes
 * `PostWriter.post` writes for the decoded post, without making a JS string
 * for any text field. A record that holds anything whose decoding would warn
 * or is not provably the same from its bytes (invalid UTF-8, a REAL, a BLOB,
 * text where a number belongs, a timestamp or stored JSON that is not valid)
 * is declined, and the sink writes `records.post(i)` instead, which also
 * counts its warnings.
 */
import type { ByteWriter } from "@skyporter/core/ByteWriter"
import * as Timestamp from "@skyporter/core/Timestamp"
import { FieldKind, type PostRecords, RECORD_FIELDS } from "@skyporter/plugin"
import * as PostWriter from "./PostWriter.js"
import { writeIndentedBytes } from "./RawJsonBytes.js"
import { copyPlain, sequence } from "./Utf8.js"

const { BACKSLASH, QUOTE, control, unicodeEscape } = PostWriter

/** Fields per record: the slot of post `i` is `i * FIELDS`. */
export const FIELDS = RECORD_FIELDS.length

const field = (name: (typeof RECORD_FIELDS)[number]): number => RECORD_FIELDS.indexOf(name)

const URI = field("uri")
const CREATED_AT = field("createdAt")
const INDEXED_AT = field("indexedAt")
const HAS_MEDIA = field("hasMedia")
const LIKE_COUNT = field("likeCount")
const IS_REPLY = field("isReply")
const REPLY_PARENT = field("replyParent")
const EMBED_TYPE = field("embedType")
const EMBED_DATA = field("embedData")
const LABELS = field("labels")
const ARCHIVED_AT = field("archivedAt")

const EMPTY_STRING = Buffer.from('""')

/**
 * Appends `bytes[start..end)` as a JSON string literal, escaped as
 * `PostWriter`'s string writer escapes the decoded text; returns false
 * (`out.length` unmoved) when the bytes are not well-formed UTF-8, which
 * the core would decode with replacement characters. Runs of bytes that
 * need no escape are found first and copied at once (copyPlain).
 */
const text = (out: ByteWriter, bytes: Uint8Array, start: number, end: number): boolean => {
  // At most 6 bytes per input byte (`\u00xx`).
  const buffer = out.reserve(6 * (end - start) + 2)
  let at = out.length
  buffer[at++] = QUOTE
  let i = start
  while (i < end) {
    const j = copyPlain(buffer, at, bytes, i, end)
    at += j - i
    i = j
    if (i >= end) break
    const c = bytes[i]!
    if (c < 0x20) {
      at = control(buffer, at, c)
      i++
    } else if (c < 0x80) {
      // `"` or `\`.
      buffer[at++] = BACKSLASH
      buffer[at++] = c
      i++
    } else {
      const n = sequence(bytes, i, end)
      if (n === 0) return false
      if (n === 3 && c === 0xe2 && bytes[i + 1] === 0x80 && (bytes[i + 2]! & 0xfe) === 0xa8) {
        // U+2028 or U+2029 (E2 80 A8/A9).
        at = unicodeEscape(buffer, at, 0x2000 | (bytes[i + 2]! & 0x3f))
      } else {
        for (let k = i; k < i + n; k++) buffer[at++] = bytes[k]!
      }
      i += n
    }
  }
  buffer[at++] = QUOTE
  out.length = at
  return true
}

/** The value of `n` ASCII digits at `i`; -1 when any is not a digit. */
const digits = (bytes: Uint8Array, i: number, n: number): number => {
  let v = 0
  for (let k = 0; k < n; k++) {
    const d = bytes[i + k]! - 0x30
    if (d < 0 || d > 9) return -1
    v = v * 10 + d
  }
  return v
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The checks of `Timestamp.decode` (which reads strings), on bytes.
 * Appends the JSON of a timestamp whose text is `YYYY-MM-DD?HH:MM:SS`, an
 * optional fraction, then nothing, `Z`, `z` or `±HH:MM`, as `Timestamp.decode`
 * and `PostWriter.timestamp` write it: separator `T`, fraction trimmed of
 * trailing zeros, a zero offset as `Z`. Returns false (nothing appended) for
 * any other text, valid or not.
 */
const rfc3339 = (out: ByteWriter, bytes: Uint8Array, start: number, end: number): boolean => {
  if (end - start < 19) return false
  const year = digits(bytes, start, 4)
  const month = digits(bytes, start + 5, 2)
  const day = digits(bytes, start + 8, 2)
  const hour = digits(bytes, start + 11, 2)
  const minute = digits(bytes, start + 14, 2)
  const second = digits(bytes, start + 17, 2)
  const sep = bytes[start + 10]
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    bytes[start + 4] !== 0x2d ||
    bytes[start + 7] !== 0x2d ||
    bytes[start + 13] !== 0x3a ||
    bytes[start + 16] !== 0x3a ||
    (sep !== 0x54 && sep !== 0x74 && sep !== 0x20)
  )
    return false
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return false
  // Fraction digits [start + 20, fractionEnd), trimmed to [.., trimmed).
  let rest = start + 19
  let trimmed = rest
  if (rest < end && bytes[rest] === 0x2e) {
    let j = rest + 1
    while (j < end && bytes[j]! >= 0x30 && bytes[j]! <= 0x39) j++
    const n = j - rest - 1
    if (n < 1 || n > 9) return false
    trimmed = j
    while (trimmed > rest + 1 && bytes[trimmed - 1] === 0x30) trimmed--
    if (trimmed === rest + 1) trimmed = rest
    rest = j
  }
  // The offset: none, `Z`, `z` (all UTC) or `±HH:MM`, written `Z` when zero.
  let offset = false
  if (rest === end || (rest + 1 === end && (bytes[rest] === 0x5a || bytes[rest] === 0x7a))) {
    offset = false
  } else if (rest + 6 === end && (bytes[rest] === 0x2b || bytes[rest] === 0x2d) && bytes[rest + 3] === 0x3a) {
    const oh = digits(bytes, rest + 1, 2)
    const om = digits(bytes, rest + 4, 2)
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return false
    offset = oh !== 0 || om !== 0
  } else {
    return false
  }
  const buffer = out.reserve(19 + (trimmed - start - 19) + 8)
  let at = out.length
  buffer[at++] = QUOTE
  for (let k = start; k < start + 10; k++) buffer[at++] = bytes[k]!
  buffer[at++] = 0x54
  for (let k = start + 11; k < trimmed; k++) buffer[at++] = bytes[k]!
  if (offset) for (let k = rest; k < end; k++) buffer[at++] = bytes[k]!
  else buffer[at++] = 0x5a
  buffer[at++] = QUOTE
  out.length = at
  return true
}

/**
 * Appends a stored timestamp as `PostWriter.timestamp` writes its decoded
 * value; false when it is not a valid timestamp (decoding it warns). Other
 * spellings (Go's `time.String()`) go through `Timestamp.decode`: a valid
 * timestamp is ASCII, so its bytes are its text.
 */
const timestamp = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  if (r.kinds[k] !== FieldKind.Text) return false
  const bytes = r.bytes
  const start = r.starts[k]!
  const end = r.ends[k]!
  if (rfc3339(out, bytes, start, end)) return true
  let s = ""
  for (let i = start; i < end; i++) {
    const c = bytes[i]!
    if (c > 0x7f) return false
    s += String.fromCharCode(c)
  }
  const t = Timestamp.decode(s)
  if (!t.valid) return false
  PostWriter.timestamp(out, t)
  return true
}

/**
 * The last archived_at written and its output. One archiving run stamps all
 * the posts it saves with the same text, so consecutive posts nearly always
 * repeat it: comparing bytes is cheaper than checking the timestamp again.
 */
const LAST_MAX = 64
const lastArchived = new Uint8Array(LAST_MAX)
let lastArchivedLength = -1
const lastOutput = new Uint8Array(LAST_MAX)
let lastOutputLength = 0

/** archived_at: left out when NULL. */
const archivedAt = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  if (r.kinds[k] === FieldKind.Null) return true
  out.bytes(PostWriter.ARCHIVED_AT)
  const bytes = r.bytes
  const start = r.starts[k]!
  const n = r.ends[k]! - start
  if (r.kinds[k] === FieldKind.Text && n === lastArchivedLength) {
    let same = true
    for (let i = 0; i < n; i++) {
      if (bytes[start + i] !== lastArchived[i]) {
        same = false
        break
      }
    }
    if (same) {
      const buffer = out.reserve(lastOutputLength)
      let at = out.length
      for (let i = 0; i < lastOutputLength; i++) buffer[at++] = lastOutput[i]!
      out.length = at
      return true
    }
  }
  const from = out.length
  if (!timestamp(out, r, k)) return false
  if (n <= LAST_MAX && out.length - from <= LAST_MAX) {
    lastArchived.set(bytes.subarray(start, start + n))
    lastArchivedLength = n
    lastOutput.set(out.buffer.subarray(from, out.length))
    lastOutputLength = out.length - from
  }
  return true
}

/** Appends a safe integer's decimal digits, as `String(n)` spells it. */
const integer = (out: ByteWriter, n: number): void => {
  const buffer = out.reserve(17)
  let at = out.length
  if (n < 0) {
    buffer[at++] = 0x2d
    n = -n
  }
  let width = 1
  for (let p = 10; p <= n; p *= 10) width++
  at += width
  for (let j = at - 1; j >= at - width; j--) {
    buffer[j] = 0x30 + (n % 10)
    n = Math.floor(n / 10)
  }
  out.length = at
}

/** A count stored as an integer; anything else is decoded (and may warn). */
const count = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  if (r.kinds[k] !== FieldKind.Integer) return false
  integer(out, r.numbers[k]!)
  return true
}

/** uri, cid, did, text: NULL reads as "". */
const requiredText = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  const kind = r.kinds[k]
  if (kind === FieldKind.Text) return text(out, r.bytes, r.starts[k]!, r.ends[k]!)
  if (kind !== FieldKind.Null) return false
  out.bytes(EMPTY_STRING)
  return true
}

/** For a column left out when NULL or '': 1 when it holds text to write, 0 when it is left out, -1 when it must be decoded. */
const present = (r: PostRecords, k: number): number => {
  const kind = r.kinds[k]
  if (kind === FieldKind.Null) return 0
  if (kind !== FieldKind.Text) return -1
  return r.starts[k] === r.ends[k] ? 0 : 1
}

/** reply_parent, embed_type. */
const optionalText = (out: ByteWriter, r: PostRecords, k: number, key: Uint8Array): boolean => {
  const p = present(r, k)
  if (p <= 0) return p === 0
  out.bytes(key)
  return text(out, r.bytes, r.starts[k]!, r.ends[k]!)
}

/** embed_data, labels: laid out when well-formed, declined otherwise (it warns). */
const storedJson = (out: ByteWriter, r: PostRecords, k: number, key: Uint8Array): boolean => {
  const p = present(r, k)
  if (p <= 0) return p === 0
  out.bytes(key)
  return writeIndentedBytes(out, r.bytes, r.starts[k]!, r.ends[k]!, 2)
}

/** has_media, is_reply: an integer is true unless 0; NULL is false. */
const flag = (out: ByteWriter, r: PostRecords, k: number, yes: Uint8Array, no: Uint8Array): boolean => {
  const kind = r.kinds[k]
  if (kind === FieldKind.Integer) out.bytes(r.numbers[k] !== 0 ? yes : no)
  else if (kind === FieldKind.Null) out.bytes(no)
  else return false
  return true
}

/** The keys before uri, cid, did and text (consecutive fields from URI), and before the four counts (from LIKE_COUNT). */
const TEXT_KEYS = [PostWriter.OPEN, PostWriter.CID, PostWriter.DID, PostWriter.TEXT]
const COUNT_KEYS = [PostWriter.LIKE_COUNT, PostWriter.REPOST_COUNT, PostWriter.REPLY_COUNT, PostWriter.QUOTE_COUNT]

const fields = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  for (let f = 0; f < 4; f++) {
    out.bytes(TEXT_KEYS[f]!)
    if (!requiredText(out, r, k + URI + f)) return false
  }
  out.bytes(PostWriter.CREATED_AT)
  if (!timestamp(out, r, k + CREATED_AT)) return false
  out.bytes(PostWriter.INDEXED_AT)
  if (!timestamp(out, r, k + INDEXED_AT)) return false
  if (!flag(out, r, k + HAS_MEDIA, PostWriter.HAS_MEDIA_TRUE, PostWriter.HAS_MEDIA_FALSE)) return false
  for (let f = 0; f < 4; f++) {
    out.bytes(COUNT_KEYS[f]!)
    if (!count(out, r, k + LIKE_COUNT + f)) return false
  }
  return (
    flag(out, r, k + IS_REPLY, PostWriter.IS_REPLY_TRUE, PostWriter.IS_REPLY_FALSE) &&
    optionalText(out, r, k + REPLY_PARENT, PostWriter.REPLY_PARENT) &&
    optionalText(out, r, k + EMBED_TYPE, PostWriter.EMBED_TYPE) &&
    storedJson(out, r, k + EMBED_DATA, PostWriter.EMBED_DATA) &&
    storedJson(out, r, k + LABELS, PostWriter.LABELS) &&
    archivedAt(out, r, k + ARCHIVED_AT) &&
    (out.bytes(PostWriter.CLOSE), true)
  )
}

/**
 * Appends the record at slot `k` (`i * FIELDS` for post `i`) exactly as
 * `PostWriter.post` appends `records.post(i)`, and returns true; or declines:
 * returns false with `out` as it was, and the caller writes `records.post(i)`.
 */
export const record = (out: ByteWriter, r: PostRecords, k: number): boolean => {
  const start = out.length
  if (fields(out, r, k)) return true
  out.length = start
  return false
}
