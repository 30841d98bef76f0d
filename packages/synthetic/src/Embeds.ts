/** The embeds and labels of a post: images (with their media rows), video, external links. */
import type { Force } from "./Catalog.js"
import { cid, randomBlobCid, randomRecordCid, sha256 } from "./Identifiers.js"
import type { MediaRow } from "./Options.js"
import { Rng } from "./Random.js"
import { LINKS, sentence } from "./Text.js"
import { formatTime } from "./Timestamps.js"

/** The post being built. */
export interface CurrentPost {
  readonly did: string
  readonly uri: string
  readonly us: number
  readonly archived: string
  /** The media rows of the post, which `images` adds to. */
  readonly media: Array<MediaRow>
}

export const ASPECTS: ReadonlyArray<readonly [number, number]> = [
  [2000, 1500],
  [1500, 2000],
  [2000, 2000],
  [2000, 1125],
  [1125, 2000],
  [1200, 630]
]
export const LABEL_VALUES = ["porn", "sexual", "nudity", "graphic-media", "!warn", "spam"]

export const images = (r: Rng, count: number, post: CurrentPost): object => {
  const did = post.did
  const out: Array<object> = []
  for (let k = 0; k < count; k++) {
    // The media hash is the sha-256 of the "file"; the blob CID holds the same digest, as on Bluesky.
    const digest = sha256(`${post.uri}#${k}`)
    const png = r.chance(0.15)
    const ext = png ? "png" : "jpeg"
    const blob = cid(0x55, digest)
    const hex = digest.toString("hex")
    const dims = r.chance(0.85) ? r.pick(ASPECTS) : null
    const alt = r.chance(0.55) ? "" : sentence(r, r.range(5, 60))
    const thumb = `https://cdn.bsky.app/img/feed_thumbnail/plain/${did}/${blob}@${ext}`
    const fullsize = `https://cdn.bsky.app/img/feed_fullsize/plain/${did}/${blob}@${ext}`
    out.push(
      dims === null
        ? { thumb, fullsize, alt }
        : { thumb, fullsize, alt, aspectRatio: { height: dims[1], width: dims[0] } }
    )
    post.media.push({
      hash: hex,
      post_uri: post.uri,
      mime_type: png ? "image/png" : "image/jpeg",
      file_path: `media/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}.${png ? "png" : "jpg"}`,
      size_bytes: r.range(20_000, 1_900_000),
      width: dims === null ? null : dims[0],
      height: dims === null ? null : dims[1],
      alt_text: alt,
      created_at: post.archived
    })
  }
  return { $type: "app.bsky.embed.images#view", images: out }
}

export const video = (r: Rng, did: string): object => {
  const c = randomBlobCid(r)
  const v: Record<string, unknown> = {
    $type: "app.bsky.embed.video#view",
    cid: c,
    playlist: `https://video.bsky.app/watch/${encodeURIComponent(did)}/${c}/playlist.m3u8`,
    thumbnail: `https://video.cdn.bsky.app/hls/${did}/${c}/thumbnail.jpg`,
    aspectRatio: r.chance(0.5) ? { height: 1080, width: 1920 } : { height: 1920, width: 1080 }
  }
  if (r.chance(0.3)) v.alt = sentence(r, r.range(5, 40))
  return v
}

export const external = (r: Rng, did: string, withThumb: boolean): object => {
  const e: Record<string, unknown> = {
    uri: r.pick(LINKS),
    title: r.chance(0.2) ? `Title, with "quotes"` : sentence(r, r.range(10, 50)),
    description: r.chance(0.3) ? "" : sentence(r, r.range(20, 120))
  }
  if (withThumb) e.thumb = `https://cdn.bsky.app/img/feed_thumbnail/plain/${did}/${randomBlobCid(r)}@jpeg`
  return { $type: "app.bsky.embed.external#view", external: e }
}

export const labels = (r: Rng, force: Force | undefined, post: CurrentPost): string | null => {
  const x = r.next()
  if (force === "labelsEmpty" || (force === undefined && x < 0.04)) return "[]"
  if (force === "labelsNull" || (force === undefined && x < 0.05)) return "null"
  if (force === "labelsArray" || (force === undefined && x < 0.08)) {
    const cidText = randomRecordCid(r)
    const ls: Array<object> = []
    for (let k = r.range(1, 2); k > 0; k--) {
      const common = {
        src: k === 1 ? post.did : "did:plc:ar7c4by46qjdydhdevvrndac",
        uri: post.uri,
        cid: cidText,
        val: r.pick(LABEL_VALUES),
        cts: formatTime(post.us + r.range(1, 86400) * 1_000_000, "ms", 0)
      }
      ls.push(k === 1 ? common : { ...common, neg: false, ver: 1 })
    }
    return JSON.stringify(ls)
  }
  return null
}
