/** What encoders must write for an expected post: the JSON object and the CSV cells. */
import type { ExpectedJson, ExpectedPost } from "./HostileExpected.js"
import { viaUtf8 } from "./HostileText.js"

/** The object a JSON encoder must write for a post (key order included), as `JSON.parse` reads it back. */
export const jsonObject = (e: ExpectedPost): Record<string, unknown> => {
  const json = (j: ExpectedJson) => (j.valid ? j.value : j.text)
  return {
    uri: e.uri,
    cid: e.cid,
    did: e.did,
    text: e.text,
    created_at: e.createdAt.json,
    indexed_at: e.indexedAt.json,
    has_media: e.hasMedia,
    like_count: Number(e.likeCount),
    repost_count: Number(e.repostCount),
    reply_count: Number(e.replyCount),
    quote_count: Number(e.quoteCount),
    is_reply: e.isReply,
    ...(e.replyParent === "" ? {} : { reply_parent: e.replyParent }),
    ...(e.embedType === "" ? {} : { embed_type: e.embedType }),
    ...(e.embedData === null ? {} : { embed_data: json(e.embedData) }),
    ...(e.labels === null ? {} : { labels: json(e.labels) }),
    ...(e.archivedAt === null ? {} : { archived_at: e.archivedAt.json })
  }
}

/** The counts as exact decimal text, in key order (JSON numbers past 2^53 lose digits in `JSON.parse`). */
export const countTexts = (e: ExpectedPost): Array<string> => [e.likeCount, e.repostCount, e.replyCount, e.quoteCount]

/** Characters after which a spreadsheet would run a cell as a formula (csv-stringify's `escape_formulas`). */
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"])

/**
 * The cells a CSV encoder must write for a post, as a CSV parser reads them
 * back from UTF-8 (where a lone surrogate has become U+FFFD).
 */
export const csvCells = (e: ExpectedPost, options: { readonly escapeFormulas: boolean }): Array<string> =>
  [
    e.uri,
    e.cid,
    e.did,
    e.text,
    e.createdAt.csv,
    e.likeCount,
    e.repostCount,
    e.replyCount,
    e.quoteCount,
    e.isReply ? "true" : "false",
    e.replyParent,
    e.hasMedia ? "true" : "false",
    e.hasMedia ? e.mediaFiles.join(";") : "",
    e.embedType,
    e.indexedAt.csv
  ].map((cell) => {
    const escaped = options.escapeFormulas && FORMULA_START.has(cell[0] ?? "") ? `'${cell}` : cell
    return viaUtf8(escaped)
  })

/** posts.csv's header cells. */
export const CSV_HEADER = [
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
]
