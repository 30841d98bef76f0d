/**
 * The `MediaFiles` column: file names of a post's images and link thumbnail,
 * taken from the stored `embed_data` JSON the way bskyarchive's CSV writer
 * takes them.
 */
import type * as Post from "@skyporter/core/Post"

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** An own member of a parsed JSON object (never something inherited from `Object.prototype`). */
const member = (object: JsonObject, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined)

/**
 * The file name a media URL contributes: the text after its last `/`, cut
 * before the first `@` in that text. "" when the URL has no `/` or nothing is
 * left; an empty name is skipped by the caller.
 */
export const fileName = (url: string): string => {
  const slash = url.lastIndexOf("/")
  if (slash < 0) return ""
  const at = url.indexOf("@", slash + 1)
  return at < 0 ? url.slice(slash + 1) : url.slice(slash + 1, at)
}

const addUrl = (out: Array<string>, url: unknown): void => {
  if (typeof url !== "string") return
  const name = fileName(url)
  if (name !== "") out.push(name)
}

const addImages = (out: Array<string>, images: unknown): void => {
  if (!Array.isArray(images)) return
  for (const image of images) {
    if (isObject(image)) addUrl(out, member(image, "fullsize"))
  }
}

/**
 * The file names listed by a parsed `embed_data` value, in column order:
 * `images[].fullsize`, then `media.images[].fullsize`, then `external.thumb`.
 * Only string URLs inside the expected object/array shapes count; anything
 * else is ignored. Empty unless `embed` is a JSON object.
 */
export const fromEmbed = (embed: unknown): Array<string> => {
  const out: Array<string> = []
  if (!isObject(embed)) return out
  addImages(out, member(embed, "images"))
  const media = member(embed, "media")
  if (isObject(media)) addImages(out, member(media, "images"))
  const external = member(embed, "external")
  if (isObject(external)) addUrl(out, member(external, "thumb"))
  return out
}

/**
 * Whether JSON text can hold a member named `fullsize` or `thumb`, the only
 * ones that list a file. A key is spelled literally unless it holds a `\`
 * escape, so text with neither `"fullsize"`, `"thumb"` nor `\` lists nothing
 * and need not be parsed (video embeds, for example: `"thumbnail"` does not
 * count).
 */
const mayListFiles = (text: string): boolean =>
  text.indexOf('"fullsize"') >= 0 || text.indexOf('"thumb"') >= 0 || text.indexOf("\\") >= 0

/**
 * Parses stored `embed_data` text and lists its file names. Empty for SQL
 * NULL / `''` (null here), text that is not well-formed JSON, and JSON that is
 * not an object (`null`, `[]`, strings, numbers). A duplicated key counts by
 * its last occurrence, as `JSON.parse` reads it.
 */
export const fromRawJson = (embedData: Post.RawJson | null): Array<string> => {
  if (embedData === null) return []
  // Text that lists nothing is only checked (its warning counts); the rest
  // is parsed once, for its validity and its files together, where the
  // RawJson can (the core's can).
  if (!mayListFiles(embedData.text)) {
    void embedData.valid
    return []
  }
  if (embedData.parse !== undefined) {
    const parsed = embedData.parse()
    return parsed === undefined ? [] : fromEmbed(parsed)
  }
  if (!embedData.valid) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(embedData.text)
  } catch {
    return []
  }
  return fromEmbed(parsed)
}

/** The `MediaFiles` cell of a post: its file names joined with `;`, or "" unless `hasMedia` is set. */
export const cell = (post: Post.Post): string => (post.hasMedia ? fromRawJson(post.embedData).join(";") : "")
