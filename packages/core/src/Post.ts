/**
 * A post as format plugins receive it: one row of bskyarchive's `posts`
 * table, decoded once by the core so that every plugin sees the same values.
 */
import * as Timestamp from "./Timestamp.js"

/** Stored JSON text (`embed_data`, `labels`), kept as text so no plugin reorders keys or rewrites numbers. */
export interface RawJson {
  /** The stored text, unchanged (BLOBs decoded as UTF-8). */
  readonly text: string
  /** Whether `text` is one well-formed JSON value (RFC 8259). */
  readonly valid: boolean
  /**
   * `JSON.parse(text)` when `text` is well-formed, else undefined (and then
   * `valid` is false). For a format that needs the value: the core's stored
   * JSON parses once for both answers, and warns once. Optional, so a
   * RawJson built by hand may leave it out.
   */
  readonly parse?: () => unknown
}

export interface Post {
  readonly uri: string
  readonly cid: string
  readonly did: string
  /** Post text; SQL NULL reads as "". */
  readonly text: string
  readonly createdAt: Timestamp.Timestamp
  readonly indexedAt: Timestamp.Timestamp
  /**
   * Null only when the stored value is SQL NULL (then JSON omits the key).
   * Consecutive posts with the same stored text may share one Timestamp.
   */
  readonly archivedAt: Timestamp.Timestamp | null
  readonly hasMedia: boolean
  readonly isReply: boolean
  /** Counts as exact decimal integer text (SQLite integers reach 2^63, past a JS number's exact range). */
  readonly likeCount: string
  readonly repostCount: string
  readonly replyCount: string
  readonly quoteCount: string
  /** "" when stored as '' or SQL NULL. */
  readonly replyParent: string
  /** "" when stored as '' or SQL NULL. */
  readonly embedType: string
  /** Null when stored as SQL NULL or ''. The text `null` is a valid RawJson. */
  readonly embedData: RawJson | null
  readonly labels: RawJson | null
}

/** A batch of posts in export order. */
export type PostBatch = ReadonlyArray<Post>

/**
 * The selected columns, in the order `decodeRow` reads them. Counts outside
 * the exact range of a JS number are selected as text so no digit is lost.
 * The range test comes first, so the usual count is taken without calling
 * `typeof`, which measured five times cheaper (docs/performance.md). TEXT,
 * BLOB, NULL and REAL values come back as stored either way.
 */
const exactInteger = (column: string) =>
  `CASE WHEN ${column} BETWEEN -9007199254740991 AND 9007199254740991 THEN ${column} ` +
  `WHEN typeof(${column}) = 'integer' THEN CAST(${column} AS TEXT) ELSE ${column} END`

/** The posts table's columns a post is read from, in the order `decodeRow` reads them. */
export const COLUMNS = [
  "uri",
  "cid",
  "did",
  "text",
  "created_at",
  "indexed_at",
  "has_media",
  "like_count",
  "repost_count",
  "reply_count",
  "quote_count",
  "is_reply",
  "reply_parent",
  "embed_type",
  "embed_data",
  "labels",
  "archived_at"
] as const

const COUNTS: ReadonlySet<string> = new Set(["like_count", "repost_count", "reply_count", "quote_count"])

/** `COLUMNS` as an export selects them. */
export const selectColumns = COLUMNS.map((column) => (COUNTS.has(column) ? exactInteger(column) : column)).join(", ")

/**
 * Receives one message per value that could not be decoded as stored, with
 * the post's position in its batch when the value was checked later.
 */
export type Warn = (message: string, post?: number) => void

const INTEGER_TEXT = /^-?\d+$/

const asText = (v: unknown): string => {
  if (v === null || v === undefined) return ""
  if (typeof v === "string") return v
  // BLOBs arrive as Buffer, or as a plain Uint8Array once copied between threads.
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8")
  return String(v)
}

const decodeCount = (v: unknown, uri: string, column: string, warn: Warn): string => {
  // A whole REAL past 2^53 (or 1e21, where String turns to exponents) as its exact digits.
  if (typeof v === "number" && Number.isInteger(v)) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString()
  if (typeof v === "bigint") return v.toString()
  // Canonical decimal: no leading zeros, no "-0" (stored text can hold "007").
  if (typeof v === "string" && INTEGER_TEXT.test(v)) return BigInt(v).toString()
  if (typeof v === "number" && Number.isFinite(v)) {
    warn(`${uri}: ${column} ${v} is not an integer; written as ${Math.trunc(v)}`)
    return String(Math.trunc(v))
  }
  warn(`${uri}: ${column} ${v === null ? "is NULL" : `${JSON.stringify(asText(v))} is not an integer`}; written as 0`)
  return "0"
}

const decodeBool = (v: unknown): boolean => {
  if (typeof v === "number") return v !== 0
  if (typeof v === "bigint") return v !== 0n
  if (typeof v === "string") return v !== "" && v !== "0" && v.toLowerCase() !== "false"
  return false
}

const decodeTimestamp = (v: unknown, uri: string, column: string, warn: Warn): Timestamp.Timestamp => {
  if (v === null || v === undefined) {
    warn(`${uri}: ${column} is NULL; written as an empty value`)
    return Timestamp.decode("")
  }
  const t = Timestamp.decode(asText(v))
  if (!t.valid) warn(`${uri}: ${column} ${JSON.stringify(t.text)} is not a timestamp; written as stored`)
  return t
}

/**
 * The last valid archived_at decoded on this thread. One archiving run stamps
 * all the posts it saves with the same text (bskyarchive's
 * CURRENT_TIMESTAMP), so consecutive posts nearly always repeat it; they
 * share one immutable Timestamp instead of parsing and allocating it again.
 */
let lastArchivedAt: Timestamp.Timestamp | undefined

const decodeArchivedAt = (v: unknown, uri: string, warn: Warn): Timestamp.Timestamp | null => {
  if (v === null || v === undefined) return null
  if (lastArchivedAt !== undefined && v === lastArchivedAt.text) return lastArchivedAt
  const t = decodeTimestamp(v, uri, "archived_at", warn)
  // Only valid ones: an invalid value warns for every post that holds it.
  if (t.valid) lastArchivedAt = t
  return t
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * Stored JSON whose validity is checked when a plugin first asks (a format
 * that never looks at it, such as CSV for posts without media, never pays
 * for the parse). The warning is counted then too.
 */
class LazyJson implements RawJson {
  private checked: boolean | undefined
  // Plain fields, not a closure: one of these per stored value adds up
  // (docs/performance.md).
  constructor(
    readonly text: string,
    private readonly uri: string,
    private readonly column: string,
    private readonly warn: Warn,
    private readonly post: number | undefined
  ) {}
  get valid(): boolean {
    if (this.checked === undefined) {
      this.checked = isJson(this.text)
      if (!this.checked) this.warn(invalidJson(this.uri, this.column), this.post)
    }
    return this.checked
  }
  parse(): unknown {
    if (this.checked === false) return undefined
    try {
      const value: unknown = JSON.parse(this.text)
      this.checked = true
      return value
    } catch {
      this.checked = false
      this.warn(invalidJson(this.uri, this.column), this.post)
      return undefined
    }
  }
}

const invalidJson = (uri: string, column: string) =>
  `${uri}: ${column} is not valid JSON; written as a JSON string of the stored text`

const decodeJson = (v: unknown, uri: string, column: string, warn: Warn, post: number | undefined): RawJson | null => {
  if (v === null || v === undefined) return null
  const text = asText(v)
  if (text === "") return null
  return new LazyJson(text, uri, column, warn, post)
}

/**
 * Decodes one raw row (columns as in `selectColumns`). Never throws: values
 * that cannot be decoded are written as stored and reported through `warn`.
 * Stored JSON is checked when its validity is first read; `post` (the
 * row's position in its batch) is then passed to `warn` with the message.
 */
export const decodeRow = (row: ReadonlyArray<unknown>, warn: Warn, post?: number): Post => {
  const uri = asText(row[0])
  return {
    uri,
    cid: asText(row[1]),
    did: asText(row[2]),
    text: asText(row[3]),
    createdAt: decodeTimestamp(row[4], uri, "created_at", warn),
    indexedAt: decodeTimestamp(row[5], uri, "indexed_at", warn),
    hasMedia: decodeBool(row[6]),
    likeCount: decodeCount(row[7], uri, "like_count", warn),
    repostCount: decodeCount(row[8], uri, "repost_count", warn),
    replyCount: decodeCount(row[9], uri, "reply_count", warn),
    quoteCount: decodeCount(row[10], uri, "quote_count", warn),
    isReply: decodeBool(row[11]),
    replyParent: asText(row[12]),
    embedType: asText(row[13]),
    embedData: decodeJson(row[14], uri, "embed_data", warn, post),
    labels: decodeJson(row[15], uri, "labels", warn, post),
    archivedAt: decodeArchivedAt(row[16], uri, warn)
  }
}
