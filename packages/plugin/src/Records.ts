/**
 * Posts as stored, for a sink that writes from the archive's own bytes
 * instead of from decoded posts (an optional fast path: `Sink.writeRecords`).
 * Types and constants only: the core builds these batches.
 */
import type { Post } from "./Post.js"

/** The fields of a record, in this order: `kinds[i * RECORD_FIELDS.length + f]` is field `f` of post `i`. */
export const RECORD_FIELDS = [
  "uri",
  "cid",
  "did",
  "text",
  "createdAt",
  "indexedAt",
  "hasMedia",
  "likeCount",
  "repostCount",
  "replyCount",
  "quoteCount",
  "isReply",
  "replyParent",
  "embedType",
  "embedData",
  "labels",
  "archivedAt"
] as const

/** How a field is stored. */
export const FieldKind = {
  /** SQL NULL. */
  Null: 0,
  /** An integer within a JS number's exact range: its value is in `numbers`. */
  Integer: 1,
  /** Text: its bytes as stored, `bytes[starts[k]..ends[k])`, not checked to be valid UTF-8. */
  Text: 2,
  /** Anything else (a REAL, a BLOB, a larger integer): read the field from `post(i)`. */
  Other: 3
} as const

export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind]

/**
 * A batch of posts in export order, each as its stored fields. Field `f` of
 * post `i` sits at `k = i * RECORD_FIELDS.length + f`.
 *
 * A sink's `writeRecords` must return exactly what its `write` would return
 * for the same posts, with the same warnings: it writes a field from its
 * bytes only where that is provably the same, and otherwise asks for
 * `post(i)`, the post as `write` receives it (decoding it is what counts its
 * warnings, so a post whose decoding would warn must be asked for).
 */
export interface PostRecords {
  readonly length: number
  readonly kinds: Uint8Array
  readonly starts: Int32Array
  readonly ends: Int32Array
  readonly numbers: Float64Array
  /** A Node.js Buffer when the core builds the batch. */
  readonly bytes: Uint8Array
  /** Post `i` decoded (once: asking again gives the same object, and counts no warning twice). */
  readonly post: (i: number) => Post
}
