/**
 * posts.csv records written straight from posts' stored bytes (the sink's
 * `writeRecords`), without making a string per value: the same bytes as
 * `Encoder.makePost` over the decoded post. A record is written from its
 * bytes only when every cell provably comes out the same and decoding the
 * post would not warn; otherwise it is refused, and the batch encoder writes
 * that post from `records.post(i)` (which is what counts its warnings).
 */
import type * as BatchText from "@skyporter/core/BatchText"
import { constant } from "@skyporter/core/ByteWriter"
import { type Chunk, FieldKind, type PostRecords, RECORD_FIELDS } from "@skyporter/plugin"
import * as Encoder from "./Encoder.js"
import * as MediaBytes from "./MediaBytes.js"
import * as TimestampBytes from "@skyporter/core/TimestampBytes"
import * as TimestampCell from "./TimestampCell.js"
import * as Utf8Cell from "./Utf8Cell.js"

const FIELDS = RECORD_FIELDS.length
const field = (name: (typeof RECORD_FIELDS)[number]): number => RECORD_FIELDS.indexOf(name)

const URI = field("uri")
const CID = field("cid")
const DID = field("did")
const TEXT = field("text")
const CREATED_AT = field("createdAt")
const INDEXED_AT = field("indexedAt")
const HAS_MEDIA = field("hasMedia")
const LIKE_COUNT = field("likeCount")
const REPOST_COUNT = field("repostCount")
const REPLY_COUNT = field("replyCount")
const QUOTE_COUNT = field("quoteCount")
const IS_REPLY = field("isReply")
const REPLY_PARENT = field("replyParent")
const EMBED_TYPE = field("embedType")
const EMBED_DATA = field("embedData")
const ARCHIVED_AT = field("archivedAt")

/** The count columns, in file order. */
const COUNT_FIELDS = [LIKE_COUNT, REPOST_COUNT, REPLY_COUNT, QUOTE_COUNT]

/** The fields written as text cells: their bytes bound a record's size. */
const TEXT_FIELDS = [URI, CID, DID, TEXT, REPLY_PARENT, EMBED_TYPE]

/** Room for every cell but the text ones: timestamps, counts, flags, separators, and each text cell's quotes and `'`. */
const FIXED_BYTES = 256

/**
 * A safe integer's decimal digits, as `String(v)` writes them (with `'`
 * before a `-` under escapeFormulas, as the encoder writes counts).
 */
const writeInteger = (out: Uint8Array, at: number, v: number, formulas: boolean): number => {
  if (v < 0) {
    if (formulas) out[at++] = 0x27
    out[at++] = 0x2d
    v = -v
  }
  let digits = 1
  for (let p = 10; p <= v; p *= 10) digits++
  const end = at + digits
  for (let j = end - 1; j >= at; j--) {
    const d = v % 10
    out[j] = 0x30 + d
    // Exact: `v / 10` rounded could reach the next integer past 2^50.
    v = (v - d) / 10
  }
  return end
}

/** Whether a flag is set (-1: not provably decoded the same, as for text `'false'`). */
const flag = (kind: number, value: number): number =>
  kind === FieldKind.Integer ? (value !== 0 ? 1 : 0) : kind === FieldKind.Null ? 0 : -1

const TRUE = constant(",true,")
const FALSE = constant(",false,")

const put = (out: Uint8Array, at: number, bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i++) out[at++] = bytes[i]!
  return at
}

export class RecordEncoder {
  private readonly formulas: boolean
  private readonly names: MediaBytes.Names = []
  private joined = Buffer.allocUnsafe(1024)
  /** The batch's bytes as a Buffer (the contract promises a Uint8Array), made once per batch. */
  private source: Uint8Array | undefined
  private sourceBuffer: Buffer = Buffer.alloc(0)
  /** The last valid archived_at seen: one archiving run stamps every post it saves alike. */
  private archivedAt = new Uint8Array(64)
  private archivedAtLength = -1

  constructor(options: Encoder.EncoderOptions) {
    this.formulas = options.escapeFormulas
  }

  /** Appends post `i`'s record to `into` and returns true, or returns false with `into` unchanged. */
  write(records: PostRecords, i: number, into: BatchText.Scratch): boolean {
    const { ends, kinds, numbers, starts } = records
    const k = i * FIELDS
    if (!this.archivedAtValid(records, k + ARCHIVED_AT)) return false
    const hasMedia = flag(kinds[k + HAS_MEDIA]!, numbers[k + HAS_MEDIA]!)
    const isReply = flag(kinds[k + IS_REPLY]!, numbers[k + IS_REPLY]!)
    if (hasMedia < 0 || isReply < 0) return false
    let size = FIXED_BYTES
    for (const f of TEXT_FIELDS) if (kinds[k + f] === FieldKind.Text) size += 2 * (ends[k + f]! - starts[k + f]!)
    if (hasMedia === 1) size += 2 * (ends[k + EMBED_DATA]! - starts[k + EMBED_DATA]!)
    const out = into.reserve(size)
    let at = into.length
    if ((at = this.text(out, at, records, k + URI)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.text(out, at, records, k + CID)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.text(out, at, records, k + DID)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.text(out, at, records, k + TEXT)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.timestamp(out, at, records, k + CREATED_AT)) < 0) return false
    for (const f of COUNT_FIELDS) {
      if (kinds[k + f] !== FieldKind.Integer) return false
      out[at++] = 0x2c
      at = writeInteger(out, at, numbers[k + f]!, this.formulas)
    }
    at = put(out, at, isReply === 1 ? TRUE : FALSE)
    if ((at = this.text(out, at, records, k + REPLY_PARENT)) < 0) return false
    at = put(out, at, hasMedia === 1 ? TRUE : FALSE)
    if (hasMedia === 1 && (at = this.mediaFiles(out, at, records, k + EMBED_DATA)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.text(out, at, records, k + EMBED_TYPE)) < 0) return false
    out[at++] = 0x2c
    if ((at = this.timestamp(out, at, records, k + INDEXED_AT)) < 0) return false
    out[at++] = 0x0a
    into.length = at
    return true
  }

  private bytes(records: PostRecords): Buffer {
    const bytes = records.bytes
    if (bytes !== this.source) {
      this.source = bytes
      this.sourceBuffer =
        bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    }
    return this.sourceBuffer
  }

  /** A text field's cell: SQL NULL reads as ""; anything but text is refused (`asText` would make one). */
  private text(out: Buffer, at: number, records: PostRecords, k: number): number {
    const kind = records.kinds[k]
    if (kind === FieldKind.Null) return at
    if (kind !== FieldKind.Text) return -1
    return Utf8Cell.write(out, at, this.bytes(records), records.starts[k]!, records.ends[k]!, this.formulas)
  }

  /** A timestamp cell; -1 when it is not stored as a valid timestamp (decoding it warns). */
  private timestamp(out: Uint8Array, at: number, records: PostRecords, k: number): number {
    if (records.kinds[k] !== FieldKind.Text) return -1
    const bytes = this.bytes(records)
    const s = records.starts[k]!
    const e = records.ends[k]!
    const offset = TimestampBytes.usual(bytes, s, e)
    if (offset !== TimestampBytes.UNUSUAL) return TimestampCell.writeUsual(out, at, bytes, s, offset)
    const t = TimestampBytes.decodeAscii(bytes, s, e)
    return t === undefined ? -1 : TimestampCell.writeDecoded(out, at, t)
  }

  /** Whether archived_at decodes without a warning: SQL NULL, or a valid timestamp. */
  private archivedAtValid(records: PostRecords, k: number): boolean {
    const kind = records.kinds[k]
    if (kind === FieldKind.Null) return true
    if (kind !== FieldKind.Text) return false
    const bytes = this.bytes(records)
    const s = records.starts[k]!
    const n = records.ends[k]! - s
    if (n === this.archivedAtLength) {
      let same = true
      for (let i = 0; i < n && same; i++) same = bytes[s + i] === this.archivedAt[i]
      if (same) return true
    }
    const valid =
      TimestampBytes.usual(bytes, s, s + n) !== TimestampBytes.UNUSUAL ||
      TimestampBytes.decodeAscii(bytes, s, s + n) !== undefined
    if (valid && n <= this.archivedAt.length) {
      this.archivedAt.set(bytes.subarray(s, s + n))
      this.archivedAtLength = n
    }
    return valid
  }

  /** The MediaFiles cell of a post with has_media set. */
  private mediaFiles(out: Buffer, at: number, records: PostRecords, k: number): number {
    const kind = records.kinds[k]
    if (kind === FieldKind.Null) return at
    if (kind !== FieldKind.Text) return -1
    const bytes = this.bytes(records)
    const s = records.starts[k]!
    const e = records.ends[k]!
    if (s === e) return at
    const names = this.names
    names.length = 0
    if (!MediaBytes.fileNames(bytes, s, e, names)) return -1
    if (names.length === 0) return at
    if (this.joined.length < e - s) this.joined = Buffer.allocUnsafe(2 * (e - s))
    const joined = this.joined
    let n = 0
    for (let j = 0; j < names.length; j += 2) {
      if (j > 0) joined[n++] = 0x3b
      for (let i = names[j]!; i < names[j + 1]!; i++) joined[n++] = bytes[i]!
    }
    return Utf8Cell.write(out, at, joined, 0, n, this.formulas)
  }
}

/**
 * Makes the sink's `writeRecords`: each post from its bytes where it can be,
 * else from `records.post(i)` by `Encoder.makePost`, all into `into` (the
 * scratch `write` uses too; the core is done with one chunk before the next).
 */
export const makeBatch = (
  options: Encoder.EncoderOptions,
  into: BatchText.Scratch
): ((records: PostRecords) => Chunk) => {
  const record = new RecordEncoder(options)
  const post = Encoder.makePost(options)
  return (records) => {
    into.reset()
    for (let i = 0; i < records.length; i++) {
      if (!record.write(records, i, into)) into.utf8(post(records.post(i)))
    }
    return into.view()
  }
}
