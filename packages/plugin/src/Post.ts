/**
 * A post as format plugins receive it: one row of bskyarchive's `posts`
 * table, decoded once by the core so that every plugin sees the same values.
 * Types only: the core builds these objects.
 */

/** A stored timestamp, decoded. */
export interface Timestamp {
  /** The stored text, unchanged. */
  readonly text: string
  /** False when the text matched none of the known spellings. */
  readonly valid: boolean
  /** `YYYY-MM-DDTHH:MM:SS` in the stored offset ("" when invalid). */
  readonly seconds: string
  /** Fraction digits with trailing zeros removed ("" when zero or absent). */
  readonly fraction: string
  /** `Z` for a zero offset, else `±HH:MM` ("" when invalid). */
  readonly offset: string
}

/** Stored JSON text (`embed_data`, `labels`), kept as text so no plugin reorders keys or rewrites numbers. */
export interface RawJson {
  /** The stored text, unchanged. */
  readonly text: string
  /** Whether `text` is one well-formed JSON value. */
  readonly valid: boolean
  /** `JSON.parse(text)` when well-formed (parsed once, shared); optional. */
  readonly parse?: () => unknown
}

export interface Post {
  readonly uri: string
  readonly cid: string
  readonly did: string
  /** Post text; SQL NULL reads as "". */
  readonly text: string
  readonly createdAt: Timestamp
  readonly indexedAt: Timestamp
  /** Null only when the stored value is SQL NULL. */
  readonly archivedAt: Timestamp | null
  readonly hasMedia: boolean
  readonly isReply: boolean
  /** Counts as exact decimal integer text. */
  readonly likeCount: string
  readonly repostCount: string
  readonly replyCount: string
  readonly quoteCount: string
  /** "" when stored as '' or SQL NULL. */
  readonly replyParent: string
  /** "" when stored as '' or SQL NULL. */
  readonly embedType: string
  readonly embedData: RawJson | null
  readonly labels: RawJson | null
}

/** A batch of posts in export order. */
export type PostBatch = ReadonlyArray<Post>
