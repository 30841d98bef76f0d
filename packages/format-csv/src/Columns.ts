/**
 * The columns of posts.csv and how a decoded post fills them.
 */
import type * as Post from "@skyporter/core/Post"
import * as Timestamp from "@skyporter/core/Timestamp"
import * as MediaFiles from "./MediaFiles.js"

/** Column names, in file order. */
export const HEADER = [
  "URI",
  "CID",
  "DID",
  "Text",
  "CreatedAt",
  "LikeCount",
  "RepostCount",
  "ReplyCount",
  "QuoteCount",
  "IsReply",
  "ReplyParent",
  "HasMedia",
  "MediaFiles",
  "EmbedType",
  "IndexedAt"
] as const

/** One row of cell values (before quoting), in `HEADER` order. */
export type Row = [
  uri: string,
  cid: string,
  did: string,
  text: string,
  createdAt: string,
  likeCount: string,
  repostCount: string,
  replyCount: string,
  quoteCount: string,
  isReply: string,
  replyParent: string,
  hasMedia: string,
  mediaFiles: string,
  embedType: string,
  indexedAt: string
]

/**
 * The cell values of a post. Timestamps are RFC 3339 truncated to whole
 * seconds (stored text when they could not be decoded); counts are the exact
 * decimal text the core decoded; booleans are `true`/`false`. The sink does
 * not build this row: `Encoder.makePost` writes the same record directly, and
 * the tests check the two against csv-stringify over this row.
 */
export const toRow = (post: Post.Post): Row => [
  post.uri,
  post.cid,
  post.did,
  post.text,
  Timestamp.toRfc3339Seconds(post.createdAt),
  post.likeCount,
  post.repostCount,
  post.replyCount,
  post.quoteCount,
  post.isReply ? "true" : "false",
  post.replyParent,
  post.hasMedia ? "true" : "false",
  MediaFiles.cell(post),
  post.embedType,
  Timestamp.toRfc3339Seconds(post.indexedAt)
]
