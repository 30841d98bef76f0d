/**
 * posts.json written straight as UTF-8 bytes: the same bytes as
 * `renderPost(post, 1)` encoded, without building each post as a string
 * first. Building the string made most of an export's garbage and half of
 * the JSON encoder's time (a rope of some forty pieces per post, flattened
 * again to be encoded).
 *
 * Keys, separators and literals are copied from bytes encoded once; string
 * values are escaped and encoded as UTF-8 in one pass. The tests check the
 * bytes against `renderPost` (and so `quoteString`) on hostile posts.
 */
import { ByteWriter, constant } from "@skyporter/core/ByteWriter"
import type * as Post from "@skyporter/core/Post"
import * as Timestamp from "@skyporter/core/Timestamp"
import { count, rawIndented } from "./PostJson.js"
import { newline } from "./RawJson.js"
import { writeIndented } from "./RawJsonWriter.js"

export { ByteWriter }

/** The bytes before each value of a post at nesting level 1 (members at level 2). */
const member = (name: string): Uint8Array => constant("," + newline(2) + '"' + name + '": ')

export const OPEN = constant("{" + newline(2) + '"uri": ')
export const CID = member("cid")
export const DID = member("did")
export const TEXT = member("text")
export const CREATED_AT = member("created_at")
export const INDEXED_AT = member("indexed_at")
export const HAS_MEDIA_TRUE = constant("," + newline(2) + '"has_media": true')
export const HAS_MEDIA_FALSE = constant("," + newline(2) + '"has_media": false')
export const LIKE_COUNT = member("like_count")
export const REPOST_COUNT = member("repost_count")
export const REPLY_COUNT = member("reply_count")
export const QUOTE_COUNT = member("quote_count")
export const IS_REPLY_TRUE = constant("," + newline(2) + '"is_reply": true')
export const IS_REPLY_FALSE = constant("," + newline(2) + '"is_reply": false')
export const REPLY_PARENT = member("reply_parent")
export const EMBED_TYPE = member("embed_type")
export const EMBED_DATA = member("embed_data")
export const LABELS = member("labels")
export const ARCHIVED_AT = member("archived_at")
export const CLOSE = constant(newline(1) + "}")

export const QUOTE = 0x22
export const BACKSLASH = 0x5c
const HEX = Buffer.from("0123456789abcdef", "latin1")

/** Short escapes by control character (`\b \t \n \f \r`); 0 where `\u00xx` is written. */
const SHORT = new Uint8Array(0x20)
SHORT[0x08] = 0x62
SHORT[0x09] = 0x74
SHORT[0x0a] = 0x6e
SHORT[0x0c] = 0x66
SHORT[0x0d] = 0x72

/** Writes `\uXXXX` (lowercase hex) at `at`; returns the index past it. */
export const unicodeEscape = (buffer: Buffer, at: number, c: number): number => {
  buffer[at++] = BACKSLASH
  buffer[at++] = 0x75
  buffer[at++] = HEX[c >> 12]!
  buffer[at++] = HEX[(c >> 8) & 15]!
  buffer[at++] = HEX[(c >> 4) & 15]!
  buffer[at++] = HEX[c & 15]!
  return at
}

/** Writes control character `c` (below U+0020) escaped at `at`: a short form where JSON has one, else `\u00xx`. */
export const control = (buffer: Buffer, at: number, c: number): number => {
  if (SHORT[c] === 0) return unicodeEscape(buffer, at, c)
  buffer[at++] = BACKSLASH
  buffer[at++] = SHORT[c]!
  return at
}

/**
 * Appends `s` as a JSON string literal in UTF-8, escaped as `quoteString`
 * escapes it: `"` and `\`, control characters (short forms where JSON has
 * them), U+2028 and U+2029, and lone surrogates as `\udxxx`; everything else
 * raw. One pass over the UTF-16 units, no intermediate string.
 */
const string = (out: ByteWriter, s: string): void => {
  const n = s.length
  // At most 6 bytes per unit (`\u00xx`); a surrogate pair takes 4 for 2.
  const buffer = out.reserve(6 * n + 2)
  let at = out.length
  buffer[at++] = QUOTE
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) {
      if (c >= 0x20) {
        if (c === QUOTE || c === BACKSLASH) buffer[at++] = BACKSLASH
        buffer[at++] = c
      } else {
        at = control(buffer, at, c)
      }
    } else if (c < 0x800) {
      buffer[at++] = 0xc0 | (c >> 6)
      buffer[at++] = 0x80 | (c & 0x3f)
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        buffer[at++] = 0xf0 | (cp >> 18)
        buffer[at++] = 0x80 | ((cp >> 12) & 0x3f)
        buffer[at++] = 0x80 | ((cp >> 6) & 0x3f)
        buffer[at++] = 0x80 | (cp & 0x3f)
        i++
      } else {
        at = unicodeEscape(buffer, at, c)
      }
    } else if (c === 0x2028 || c === 0x2029) {
      at = unicodeEscape(buffer, at, c)
    } else {
      buffer[at++] = 0xe0 | (c >> 12)
      buffer[at++] = 0x80 | ((c >> 6) & 0x3f)
      buffer[at++] = 0x80 | (c & 0x3f)
    }
  }
  buffer[at++] = QUOTE
  out.length = at
}

/**
 * A timestamp as PostJson renders it: RFC 3339, fraction trimmed; invalid
 * ones as stored. Decoded parts are ASCII; a Timestamp built by hand that is
 * not is written through the string renderer.
 */
export const timestamp = (out: ByteWriter, t: Timestamp.Timestamp): void => {
  if (!t.valid) return string(out, t.text)
  const start = out.length
  out.byte(QUOTE)
  if (out.ascii(t.seconds) && (t.fraction === "" || (out.byte(0x2e), out.ascii(t.fraction))) && out.ascii(t.offset)) {
    out.byte(QUOTE)
    return
  }
  out.length = start
  out.utf8('"' + Timestamp.toRfc3339(t) + '"')
}

/** A count as PostJson renders it: digits, or (repaired, rarely) a quoted string. */
const countValue = (out: ByteWriter, value: string): void => {
  const rendered = count(value)
  if (!out.ascii(rendered)) out.utf8(rendered)
}

/**
 * Stored JSON as PostJson renders it. Well-formed text is checked and laid
 * out here in one pass, without asking the core (`valid` is the core's
 * `JSON.parse` of the same text, which this pass agrees with); anything else
 * goes to the core, which decides and warns.
 */
const rawJson = (out: ByteWriter, raw: Post.RawJson, level: number): void => {
  if (!writeIndented(out, raw.text, level)) out.utf8(rawIndented(raw, level))
}

/** Appends `p` exactly as the UTF-8 bytes of `renderPost(p, 1)`. */
export const post = (out: ByteWriter, p: Post.Post): void => {
  out.bytes(OPEN)
  string(out, p.uri)
  out.bytes(CID)
  string(out, p.cid)
  out.bytes(DID)
  string(out, p.did)
  out.bytes(TEXT)
  string(out, p.text)
  out.bytes(CREATED_AT)
  timestamp(out, p.createdAt)
  out.bytes(INDEXED_AT)
  timestamp(out, p.indexedAt)
  out.bytes(p.hasMedia ? HAS_MEDIA_TRUE : HAS_MEDIA_FALSE)
  out.bytes(LIKE_COUNT)
  countValue(out, p.likeCount)
  out.bytes(REPOST_COUNT)
  countValue(out, p.repostCount)
  out.bytes(REPLY_COUNT)
  countValue(out, p.replyCount)
  out.bytes(QUOTE_COUNT)
  countValue(out, p.quoteCount)
  out.bytes(p.isReply ? IS_REPLY_TRUE : IS_REPLY_FALSE)
  if (p.replyParent !== "") {
    out.bytes(REPLY_PARENT)
    string(out, p.replyParent)
  }
  if (p.embedType !== "") {
    out.bytes(EMBED_TYPE)
    string(out, p.embedType)
  }
  if (p.embedData !== null) {
    out.bytes(EMBED_DATA)
    rawJson(out, p.embedData, 2)
  }
  if (p.labels !== null) {
    out.bytes(LABELS)
    rawJson(out, p.labels, 2)
  }
  if (p.archivedAt !== null) {
    out.bytes(ARCHIVED_AT)
    timestamp(out, p.archivedAt)
  }
  out.bytes(CLOSE)
}
