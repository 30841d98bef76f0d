/** What a synthetic archive is made of: the options, the rows, and the span of time they cover. */

export interface SeedOptions {
  /** Posts of the main DID. */
  readonly posts: number
  /** The main DID; default `DEFAULT_DID`. */
  readonly did?: string
  /** PRNG seed (any safe integer, folded to 32 bits); default 1. */
  readonly seed?: number
  /** How many other DIDs get posts; default 3. */
  readonly otherDids?: number
  /** Posts per other DID; default max(10, posts / 100), at most 10,000. */
  readonly otherPosts?: number
  /**
   * Also write a small valid image (PNG or JPEG, as the row's mime type says)
   * for each `media` row, at its relative `file_path` under this folder —
   * except every `MISSING_MEDIA_EVERY`th row (the first, then every 100th),
   * left pointing at a file that does not exist.
   */
  readonly mediaRoot?: string
  /** Called after each commit (every 10,000 posts) and at the end: posts written so far, of all DIDs, and of how many. */
  readonly onProgress?: (written: number, total: number) => void
}

/** With `mediaRoot`, media row k (counting from 0 in `seedArchive`'s order) gets no file when k % this is 0. */
export const MISSING_MEDIA_EVERY = 100

export interface SeedResult {
  /** The main DID. */
  readonly did: string
  /** Posts written for the main DID. */
  readonly posts: number
  /** Posts written for all other DIDs together. */
  readonly otherPosts: number
  /** The other DIDs, in generation order. */
  readonly otherDids: ReadonlyArray<string>
  /** Rows written to `media`. */
  readonly mediaRows: number
  /** Image files written under `mediaRoot` (0 without it). */
  readonly mediaFiles: number
  /** Media rows whose file was left missing on purpose (0 without `mediaRoot`). */
  readonly missingMediaFiles: number
  /**
   * Designed groups (2–8 posts) of main-DID posts sharing one exact
   * `created_at` string. Other coincidences may add a few more.
   */
  readonly tieGroups: number
}

/** One row of `posts`, keyed by column name. */
export interface PostRow {
  uri: string
  cid: string
  did: string
  text: string
  created_at: string
  indexed_at: string
  has_media: 0 | 1
  /** A bigint only past Number.MAX_SAFE_INTEGER. */
  like_count: number | bigint
  repost_count: number | bigint
  reply_count: number | bigint
  quote_count: number | bigint
  is_reply: 0 | 1
  reply_parent: string
  embed_type: string
  embed_data: string | null
  labels: string | null
  archived_at: string
}

/** One row of `media`, keyed by column name. */
export interface MediaRow {
  hash: string
  post_uri: string
  mime_type: string
  file_path: string
  size_bytes: number
  width: number | null
  height: number | null
  alt_text: string
  created_at: string
}

/** The default main DID (a well-formed did:plc: 24 base32 characters). */
export const DEFAULT_DID = "did:plc:skyporterdemo22222222222"

/** The instants of created_at fall in [SPAN_START, SPAN_END) (the stored text may carry an offset). */
export const SPAN_START = "2023-01-01T00:00:00.000Z"
export const SPAN_END = "2026-01-01T00:00:00.000Z"
