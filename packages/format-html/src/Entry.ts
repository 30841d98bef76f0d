/**
 * One post as the page's data: a compact JSON array the viewer reads.
 *
 * Everything the page shows is decided here, in Node, from the decoded post:
 * the text's links (Linkify), the embed reduced to what a card needs, the
 * media file names (MediaName) and the label values. The viewer only turns
 * these values into DOM nodes, never markup.
 *
 * `[uri, text, created, likes, reposts, replies, quotes, replyParent, isReply, embed, labels, hasMedia]`:
 * - text: a string, or an array of segments (`"plain"` or `[kind, shown, href]`);
 * - created: the RFC 3339 instant, or `[stored text]` when it is not one;
 * - counts: exact decimal strings;
 * - embed: 0, or an object with any of `i` (images: `[path, alt, width, height]`),
 *   `v` (video: `[alt]`), `x` (link card: `[href, title, description, thumb path]`),
 *   `q` (quoted post: `[uri, handle, name, text, created]`, or `[uri]` when not found);
 * - labels: 0, or the label values.
 */
import type * as Post from "@skyporter/core/Post"
import * as Timestamp from "@skyporter/core/Timestamp"
import { segments } from "./Linkify.js"
import { mediaPath } from "./MediaName.js"

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const member = (o: unknown, key: string): unknown => (isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined)
const text = (v: unknown): string => (typeof v === "string" ? v : "")
const size = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.min(v, 1e6) : 0)

const parsed = (raw: Post.RawJson | null): unknown => {
  if (raw === null) return undefined
  if (raw.parse !== undefined) return raw.parse()
  return raw.valid ? JSON.parse(raw.text) : undefined
}

const images = (list: unknown): Array<unknown> | undefined => {
  if (!Array.isArray(list)) return undefined
  return list.filter(isObject).map((image) => {
    const ratio = member(image, "aspectRatio")
    return [
      mediaPath(member(image, "fullsize")),
      text(member(image, "alt")),
      size(member(ratio, "width")),
      size(member(ratio, "height"))
    ]
  })
}

const external = (card: unknown): Array<unknown> | undefined => {
  if (!isObject(card)) return undefined
  const uri = text(member(card, "uri"))
  return [
    /^https?:\/\//i.test(uri) ? uri : "",
    text(member(card, "title")),
    text(member(card, "description")),
    mediaPath(member(card, "thumb"))
  ]
}

const quoted = (record: unknown): Array<unknown> | undefined => {
  // record_with_media nests the quoted view one level deeper than record does.
  const view = isObject(member(record, "record")) ? member(record, "record") : record
  if (!isObject(view)) return undefined
  const uri = text(member(view, "uri"))
  if (member(view, "notFound") === true || !isObject(member(view, "value"))) return [uri]
  const author = member(view, "author")
  const value = member(view, "value")
  return [
    uri,
    text(member(author, "handle")),
    text(member(author, "displayName")),
    text(member(value, "text")),
    text(member(value, "createdAt"))
  ]
}

const video = (v: unknown): Array<unknown> | undefined =>
  isObject(v) && (typeof member(v, "playlist") === "string" || typeof member(v, "cid") === "string")
    ? [text(member(v, "alt"))]
    : undefined

/** The parts of an embed the page shows; 0 when there are none. */
export const embed = (value: unknown): Json | 0 => {
  if (!isObject(value)) return 0
  const out: Json = {}
  const media = member(value, "media")
  const i = images(member(value, "images")) ?? images(member(media, "images"))
  if (i !== undefined && i.length > 0) out.i = i
  const x = external(member(value, "external")) ?? external(member(media, "external"))
  if (x !== undefined) out.x = x
  const v = video(value) ?? video(media)
  if (v !== undefined) out.v = v
  if (isObject(member(value, "record"))) {
    const q = quoted(member(value, "record"))
    if (q !== undefined) out.q = q
  }
  return Object.keys(out).length === 0 ? 0 : out
}

/** The values of the labels applied to a post (negations left out); 0 when there are none. */
export const labels = (value: unknown): Array<string> | 0 => {
  if (!Array.isArray(value)) return 0
  const out = value
    .filter((l) => member(l, "neg") !== true)
    .map((l) => text(member(l, "val")))
    .filter((v) => v !== "")
  return out.length === 0 ? 0 : out
}

const created = (t: Timestamp.Timestamp): string | [string] => (t.valid ? Timestamp.toRfc3339(t) : [t.text])

/** A post's entry as JSON text (not yet escaped for a script element). */
export const entry = (post: Post.Post): string => {
  const parts = segments(post.text)
  return JSON.stringify([
    post.uri,
    parts.length === 1 && typeof parts[0] === "string" ? parts[0] : parts.length === 0 ? "" : parts,
    created(post.createdAt),
    post.likeCount,
    post.repostCount,
    post.replyCount,
    post.quoteCount,
    post.replyParent,
    post.isReply ? 1 : 0,
    embed(parsed(post.embedData)),
    labels(parsed(post.labels)),
    post.hasMedia ? 1 : 0
  ])
}
