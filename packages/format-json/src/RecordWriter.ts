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
import * as TimestampBytes from "@skyporter/core/TimestampBytes"
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
 * need no escape are tested and copied four bytes at a time (copyPlain).
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

/**
 * Appends the JSON of a timestamp in one of the usual spellings
 * (TimestampBytes) as `PostWriter.timestamp` writes its decoded value:
 * separator `T`, fraction trimmed of trailing zeros, a zero offset as `Z`.
 * Returns false (nothing appended) for any other text, valid or not.
 */
const rfc3339 = (out: ByteWriter, bytes: Uint8Array, start: number, end: number): boolean => {
  const offset = TimestampBytes.usual(bytes, start, end)
  if (offset === TimestampBytes.UNUSUAL) return false
  const fraction = TimestampBytes.fractionEnd(bytes, start, end)
  const buffer = out.reserve(fraction - start + 9)
  let at = out.length
  buffer[at++] = QUOTE
  for (let k = start; k < start + 10; k++) buffer[at++] = bytes[k]!
  buffer[at++] = 0x54
  for (let k = start + 11; k < fraction; k++) buffer[at++] = bytes[k]!
  if (offset === TimestampBytes.UTC) buffer[at++] = 0x5a
  else for (let k = offset; k < offset + 6; k++) buffer[at++] = bytes[k]!
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
  const t = TimestampBytes.decodeAscii(bytes, start, end)
  if (t === undefined) return false
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
