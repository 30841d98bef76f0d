/**
 * One post as a JSON object, in the layout of bskyarchive's posts.json
 * (indented) or on one line without any whitespace (compact).
 *
 * Keys, in this order: uri, cid, did, text, created_at, indexed_at,
 * has_media, like_count, repost_count, reply_count, quote_count, is_reply,
 * reply_parent, embed_type, embed_data, labels, archived_at.
 * Omitted: reply_parent and embed_type when "", embed_data and labels when
 * null, archived_at when null.
 */
import type * as Post from "@skyporter/core/Post"
import * as Timestamp from "@skyporter/core/Timestamp"
import { quoteString } from "./JsonString.js"
import { compactRawJson, indentRawJson, newline } from "./RawJson.js"

type RawJson = Post.RawJson

/** A timestamp as a JSON string: RFC 3339, fraction trimmed; invalid ones as their stored text. */
const timestamp = (t: Timestamp.Timestamp): string =>
  t.valid ? '"' + Timestamp.toRfc3339(t) + '"' : quoteString(t.text)

const INTEGER = /^(?:0|-?[1-9]\d*)$/

/**
 * A count (exact decimal integer text) as a JSON number. The core hands
 * canonical integers; anything else is repaired defensively: leading zeros
 * are dropped, and text that is not an integer at all is written as a JSON
 * string so the file stays valid JSON.
 */
export const count = (c: string): string => {
  const first = c.charCodeAt(0)
  // Fast path: "0" or a digit 1–9 followed by digits (the core checked the digits).
  if ((first > 0x30 && first <= 0x39) || c === "0") return c
  if (INTEGER.test(c)) return c
  const m = /^(-?)0*(\d+)$/.exec(c)
  if (m === null) return quoteString(c)
  return m[2] === "0" ? "0" : m[1]! + m[2]!
}

/** Stored JSON: re-laid-out when well-formed, else its text as a JSON string. */
export const rawIndented = (raw: RawJson, level: number): string =>
  raw.valid ? indentRawJson(raw.text, level) : quoteString(raw.text)

const rawCompact = (raw: RawJson): string => (raw.valid ? compactRawJson(raw.text) : quoteString(raw.text))

/** The `,\n<indent>"key": ` prefixes of one nesting level, and the object's braces. */
interface Keys {
  readonly open: string
  readonly cid: string
  readonly did: string
  readonly text: string
  readonly createdAt: string
  readonly indexedAt: string
  readonly hasMediaTrue: string
  readonly hasMediaFalse: string
  readonly likeCount: string
  readonly repostCount: string
  readonly replyCount: string
  readonly quoteCount: string
  readonly isReplyTrue: string
  readonly isReplyFalse: string
  readonly replyParent: string
  readonly embedType: string
  readonly embedData: string
  readonly labels: string
  readonly archivedAt: string
  readonly close: string
}

const makeKeys = (level: number): Keys => {
  const nl = newline(level + 1)
  const key = (name: string) => "," + nl + '"' + name + '": '
  return {
    open: "{" + nl + '"uri": ',
    cid: key("cid"),
    did: key("did"),
    text: key("text"),
    createdAt: key("created_at"),
    indexedAt: key("indexed_at"),
    hasMediaTrue: key("has_media") + "true",
    hasMediaFalse: key("has_media") + "false",
    likeCount: key("like_count"),
    repostCount: key("repost_count"),
    replyCount: key("reply_count"),
    quoteCount: key("quote_count"),
    isReplyTrue: key("is_reply") + "true",
    isReplyFalse: key("is_reply") + "false",
    replyParent: key("reply_parent"),
    embedType: key("embed_type"),
    embedData: key("embed_data"),
    labels: key("labels"),
    archivedAt: key("archived_at"),
    close: newline(level) + "}"
  }
}

const keysByLevel: Array<Keys> = []

const keysFor = (level: number): Keys => keysByLevel[level] ?? (keysByLevel[level] = makeKeys(level))

/**
 * One post as an indented JSON object, exactly as it appears in posts.json
 * when `level` is 1: the object's lines are indented for nesting `level`
 * (members at `level + 1`, 2 spaces per level, the closing brace at `level`).
 * The opening brace itself is not indented and there is no trailing newline.
 */
export const renderPost = (post: Post.Post, level: number): string => {
  if (!(level >= 0 && Number.isInteger(level))) {
    throw new RangeError(`level must be a non-negative integer, got ${level}`)
  }
  const k = keysFor(level)
  let s =
    k.open +
    quoteString(post.uri) +
    k.cid +
    quoteString(post.cid) +
    k.did +
    quoteString(post.did) +
    k.text +
    quoteString(post.text) +
    k.createdAt +
    timestamp(post.createdAt) +
    k.indexedAt +
    timestamp(post.indexedAt) +
    (post.hasMedia ? k.hasMediaTrue : k.hasMediaFalse) +
    k.likeCount +
    count(post.likeCount) +
    k.repostCount +
    count(post.repostCount) +
    k.replyCount +
    count(post.replyCount) +
    k.quoteCount +
    count(post.quoteCount) +
    (post.isReply ? k.isReplyTrue : k.isReplyFalse)
  if (post.replyParent !== "") s += k.replyParent + quoteString(post.replyParent)
  if (post.embedType !== "") s += k.embedType + quoteString(post.embedType)
  if (post.embedData !== null) s += k.embedData + rawIndented(post.embedData, level + 1)
  if (post.labels !== null) s += k.labels + rawIndented(post.labels, level + 1)
  if (post.archivedAt !== null) s += k.archivedAt + timestamp(post.archivedAt)
  return s + k.close
}

/**
 * One post as a compact JSON object: the same keys, values and omissions as
 * `renderPost`, with no whitespace outside strings (stored `embed_data` and
 * `labels` compacted the same way). No trailing newline.
 */
export const renderPostCompact = (post: Post.Post): string => {
  let s =
    '{"uri":' +
    quoteString(post.uri) +
    ',"cid":' +
    quoteString(post.cid) +
    ',"did":' +
    quoteString(post.did) +
    ',"text":' +
    quoteString(post.text) +
    ',"created_at":' +
    timestamp(post.createdAt) +
    ',"indexed_at":' +
    timestamp(post.indexedAt) +
    (post.hasMedia ? ',"has_media":true' : ',"has_media":false') +
    ',"like_count":' +
    count(post.likeCount) +
    ',"repost_count":' +
    count(post.repostCount) +
    ',"reply_count":' +
    count(post.replyCount) +
    ',"quote_count":' +
    count(post.quoteCount) +
    (post.isReply ? ',"is_reply":true' : ',"is_reply":false')
  if (post.replyParent !== "") s += ',"reply_parent":' + quoteString(post.replyParent)
  if (post.embedType !== "") s += ',"embed_type":' + quoteString(post.embedType)
  if (post.embedData !== null) s += ',"embed_data":' + rawCompact(post.embedData)
  if (post.labels !== null) s += ',"labels":' + rawCompact(post.labels)
  if (post.archivedAt !== null) s += ',"archived_at":' + timestamp(post.archivedAt)
  return s + "}"
}
