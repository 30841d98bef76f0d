/**
 * An `app.bsky.feed.post` record as bskyarchive stores a post: the `posts`
 * row and one `media` row per image blob. `embed_data` is shaped like the
 * embed view bskyarchive saves from the Bluesky API, built from what the
 * record holds: image and link-card URLs as the Bluesky CDN serves them
 * (from the DID and the blob's CID), the video's playlist and thumbnail
 * URLs, and for a quoted post only its `uri` and `cid` (the quoted post
 * itself is not in the repository). Counts are not in a repository: 0.
 */
import { Timestamp } from "@skyporter/core"
import { CID } from "multiformats/cid"

export interface PostRow {
  readonly uri: string
  readonly cid: string
  readonly did: string
  readonly text: string
  readonly created_at: string
  readonly indexed_at: string
  readonly has_media: 0 | 1
  readonly is_reply: 0 | 1
  readonly reply_parent: string
  readonly embed_type: string
  readonly embed_data: string | null
  readonly labels: string | null
  readonly archived_at: string
}

export interface MediaRow {
  /** Hex sha-256 of the image: the digest inside the blob's CID. */
  readonly hash: string
  readonly post_uri: string
  readonly mime_type: string
  /** Relative to the archive's folder: `media/<h0h1>/<h2h3>/<hash>.<ext>`. */
  readonly file_path: string
  readonly size_bytes: number
  readonly width: number | null
  readonly height: number | null
  readonly alt_text: string
  readonly created_at: string
  /** The blob's CID: the name of its file in a `goat blob export` folder. */
  readonly blob: string
}

export interface Mapped {
  readonly post: PostRow
  readonly media: ReadonlyArray<MediaRow>
  readonly warnings: ReadonlyArray<string>
}

/** The times an import stamps on its rows (see the package README). */
export interface Stamps {
  readonly indexedAt: string
  readonly archivedAt: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === "string" ? v : "")

const CDN = "https://cdn.bsky.app/img"
const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/heic": "heic",
  "image/avif": "avif"
}

interface Blob {
  readonly cid: CID
  readonly mimeType: string
  readonly size: number
}

/** A blob reference: `{$type: "blob", ref, mimeType, size}`, or the legacy `{cid, mimeType}`. */
const blobOf = (v: unknown): Blob | undefined => {
  if (!isObject(v)) return undefined
  const ref = v.$type === "blob" ? CID.asCID(v.ref) : typeof v.cid === "string" ? safeParse(v.cid) : null
  if (ref === null || ref === undefined) return undefined
  return { cid: ref, mimeType: str(v.mimeType), size: typeof v.size === "number" ? v.size : 0 }
}

const safeParse = (text: string): CID | null => {
  try {
    return CID.parse(text)
  } catch {
    return null
  }
}

const aspectOf = (v: unknown): { height: number; width: number } | undefined =>
  isObject(v) && typeof v.width === "number" && typeof v.height === "number"
    ? { height: v.height, width: v.width }
    : undefined

const strongRef = (v: unknown): Json => (isObject(v) ? { uri: str(v.uri), cid: str(v.cid) } : { uri: "", cid: "" })

interface Context {
  readonly did: string
  readonly uri: string
  readonly stamps: Stamps
  readonly media: Array<MediaRow>
  readonly warnings: Array<string>
}

const imagesView = (ctx: Context, embed: Json): Json => {
  const images: Array<Json> = []
  for (const image of Array.isArray(embed.images) ? embed.images : []) {
    if (!isObject(image)) continue
    const blob = blobOf(image.image)
    const alt = str(image.alt)
    const aspect = aspectOf(image.aspectRatio)
    if (blob === undefined) {
      ctx.warnings.push(`${ctx.uri}: an image without a blob reference was left out`)
      continue
    }
    const cid = blob.cid.toString()
    const thumb = `${CDN}/feed_thumbnail/plain/${ctx.did}/${cid}@jpeg`
    const fullsize = `${CDN}/feed_fullsize/plain/${ctx.did}/${cid}@jpeg`
    images.push(aspect === undefined ? { thumb, fullsize, alt } : { thumb, fullsize, alt, aspectRatio: aspect })
    const hash = Buffer.from(blob.cid.multihash.digest).toString("hex")
    ctx.media.push({
      hash,
      post_uri: ctx.uri,
      mime_type: blob.mimeType === "" ? "application/octet-stream" : blob.mimeType,
      file_path: `media/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.${EXTENSIONS[blob.mimeType] ?? "bin"}`,
      size_bytes: blob.size,
      width: aspect?.width ?? null,
      height: aspect?.height ?? null,
      alt_text: alt,
      created_at: ctx.stamps.archivedAt,
      blob: cid
    })
  }
  return { $type: "app.bsky.embed.images#view", images }
}

const videoView = (ctx: Context, embed: Json): Json => {
  const blob = blobOf(embed.video)
  const cid = blob?.cid.toString() ?? ""
  const view: Json = {
    $type: "app.bsky.embed.video#view",
    cid,
    playlist: `https://video.bsky.app/watch/${encodeURIComponent(ctx.did)}/${cid}/playlist.m3u8`,
    thumbnail: `https://video.cdn.bsky.app/hls/${ctx.did}/${cid}/thumbnail.jpg`
  }
  const aspect = aspectOf(embed.aspectRatio)
  if (aspect !== undefined) view.aspectRatio = aspect
  if (typeof embed.alt === "string") view.alt = embed.alt
  return view
}

const externalView = (ctx: Context, embed: Json): { view: Json; thumb: boolean } => {
  const external = isObject(embed.external) ? embed.external : {}
  const view: Json = { uri: str(external.uri), title: str(external.title), description: str(external.description) }
  const thumb = blobOf(external.thumb)
  if (thumb !== undefined) view.thumb = `${CDN}/feed_thumbnail/plain/${ctx.did}/${thumb.cid}@jpeg`
  return { view: { $type: "app.bsky.embed.external#view", external: view }, thumb: thumb !== undefined }
}

interface Embed {
  readonly type: string
  readonly data: Json | null
  readonly hasMedia: boolean
}

const NONE: Embed = { type: "", data: null, hasMedia: false }

/** A media embed (images, video or link card) on its own or inside a record-with-media. */
const mediaEmbed = (ctx: Context, embed: Json): Embed | undefined => {
  switch (embed.$type) {
    case "app.bsky.embed.images":
      return { type: "images", data: imagesView(ctx, embed), hasMedia: true }
    case "app.bsky.embed.video":
      return { type: "video", data: videoView(ctx, embed), hasMedia: true }
    case "app.bsky.embed.external": {
      const { thumb, view } = externalView(ctx, embed)
      return { type: "external", data: view, hasMedia: thumb }
    }
    default:
      return undefined
  }
}

const embedOf = (ctx: Context, embed: unknown): Embed => {
  if (embed === undefined || embed === null) return NONE
  if (!isObject(embed)) {
    ctx.warnings.push(`${ctx.uri}: the embed is not an object and was left out`)
    return NONE
  }
  if (embed.$type === "app.bsky.embed.record") {
    return {
      type: "record",
      data: { $type: "app.bsky.embed.record#view", record: strongRef(embed.record) },
      hasMedia: false
    }
  }
  if (embed.$type === "app.bsky.embed.recordWithMedia") {
    const record = isObject(embed.record) ? embed.record : {}
    const media = isObject(embed.media) ? mediaEmbed(ctx, embed.media) : undefined
    const data: Json = { $type: "app.bsky.embed.recordWithMedia#view", record: { record: strongRef(record.record) } }
    if (media?.data) data.media = media.data
    return { type: "record_with_media", data, hasMedia: true }
  }
  const media = mediaEmbed(ctx, embed)
  if (media !== undefined) return media
  ctx.warnings.push(`${ctx.uri}: embed type ${JSON.stringify(embed.$type)} is not known and was left out`)
  return NONE
}

/** Self-labels as the Bluesky API shows them on a post: one label object per value, from the author. */
const labelsOf = (labels: unknown, did: string, uri: string, cid: string, createdAt: string): string | null => {
  if (!isObject(labels) || !Array.isArray(labels.values)) return null
  const out = labels.values
    .filter((v): v is Json => isObject(v) && typeof v.val === "string")
    .map((v) => ({ src: did, uri, cid, val: v.val, cts: createdAt }))
  return out.length === 0 ? null : JSON.stringify(out)
}

export const map = (did: string, rkey: string, cid: string, record: unknown, stamps: Stamps): Mapped => {
  const uri = `at://${did}/app.bsky.feed.post/${rkey}`
  const ctx: Context = { did, uri, stamps, media: [], warnings: [] }
  const value: Json = isObject(record) ? record : {}
  if (!isObject(record)) ctx.warnings.push(`${uri}: the record is not an object`)
  const createdAt = str(value.createdAt)
  if (!Timestamp.decode(createdAt).valid) {
    ctx.warnings.push(
      `${uri}: createdAt ${JSON.stringify(value.createdAt ?? null)} is not a valid timestamp (kept as written)`
    )
  }
  const reply = isObject(value.reply) ? value.reply : undefined
  const parent = reply !== undefined && isObject(reply.parent) ? str(reply.parent.uri) : ""
  const embed = embedOf(ctx, value.embed)
  return {
    post: {
      uri,
      cid,
      did,
      text: str(value.text),
      created_at: createdAt,
      indexed_at: stamps.indexedAt,
      has_media: embed.hasMedia ? 1 : 0,
      is_reply: reply === undefined ? 0 : 1,
      reply_parent: parent,
      embed_type: embed.type,
      embed_data: embed.data === null ? null : JSON.stringify(embed.data),
      labels: labelsOf(value.labels, did, uri, cid, createdAt),
      archived_at: stamps.archivedAt
    },
    media: ctx.media,
    warnings: ctx.warnings
  }
}
