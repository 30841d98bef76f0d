/** The rows of every DID's posts, built along their timeline. */
import type { Force } from "./Catalog.js"
import { type CurrentPost, external, images, labels as postLabels, video } from "./Embeds.js"
import { plcDid, postUri, randomRecordCid, stringKey, tid } from "./Identifiers.js"
import type { MediaRow, PostRow } from "./Options.js"
import { key, Rng, S_NAMES, S_OTHER, S_ROW } from "./Random.js"
import type { Resolved } from "./ResolvedOptions.js"
import { postText, sentence } from "./Text.js"
import { formatTime, indexedAt, SESSION_US, sessionText, START_US } from "./Timestamps.js"
import { Timeline } from "./Timeline.js"

/** A post row and the media rows that belong to it. */
export interface SeedRow {
  readonly post: PostRow
  readonly media: ReadonlyArray<MediaRow>
}
export type Row = SeedRow

export class Synth extends Timeline {
  private readonly strangers: ReadonlyArray<string>
  tieGroups = 0

  constructor(o: Resolved) {
    super(o)
    const strangers: Array<string> = []
    for (let k = 0; k < 24; k++) strangers.push(plcDid(key(stringKey(o.did) ^ 0x1234567, S_NAMES, k)))
    this.strangers = strangers
  }

  // -- rows --------------------------------------------------------------------

  // The row being built: the main DID (curOther -1) or other DID curOther, and its index.
  private curOther = -1
  private curIndex = 0
  private curDid = ""
  private curUri = ""
  private curUs = 0
  private curArchived = ""
  private curMedia: Array<MediaRow> = []
  private lastSession = -1
  private lastSessionText = ""

  mainRow(i: number): Row {
    const t = this.mainTime(i)
    if (t.startsTie) this.tieGroups++
    this.begin(-1, i, this.did, t.us)
    return this.build(new Rng(key(this.seed, S_ROW, i)), t.createdAt, t.us, t.clock, this.catalog.get(i))
  }

  otherRow(d: number, k: number): Row {
    const t = this.otherTime(d, k)
    this.begin(d, k, this.others[d]!, t.us)
    return this.build(new Rng(key(this.seed, S_OTHER + d, k + 0x40000000)), t.createdAt, t.rkeyUs, t.clock, undefined)
  }

  *rows(): Generator<Row> {
    for (let i = 0; i < this.n; i++) yield this.mainRow(i)
    for (let d = 0; d < this.others.length; d++) {
      for (let k = 0; k < this.otherN; k++) yield this.otherRow(d, k)
    }
  }

  private begin(other: number, index: number, did: string, us: number): void {
    this.curOther = other
    this.curIndex = index
    this.curDid = did
    this.curUs = us
    this.curMedia = []
    const session = Math.floor((us - START_US) / SESSION_US)
    if (session !== this.lastSession) {
      this.lastSession = session
      this.lastSessionText = sessionText(this.seed, session)
    }
    this.curArchived = this.lastSessionText
  }

  /** An earlier post of the same DID, or null for its first post. */
  private selfParent(r: Rng): string | null {
    const i = this.curIndex
    if (i === 0) return null
    return this.curOther < 0
      ? this.mainUri(Math.max(0, i - 1 - r.int(30)))
      : this.otherUri(this.curOther, Math.max(0, i - 1 - r.int(10)))
  }

  /** A uri of some post not in the archive, before the current one. */
  private strangerUri(r: Rng): string {
    const when = Math.max(START_US - 86400e6 * 30, this.curUs - r.range(1, 30 * 86400) * 1_000_000)
    return postUri(r.pick(this.strangers), tid(when, r.int(1024)))
  }

  private handle(did: string): string {
    return did === this.did ? "demo" : did === this.others[0] ? "demo-two" : `user${stringKey(did) % 1000}`
  }

  private quoted(r: Rng, notFound: boolean): object {
    const qUri = (r.chance(0.5) ? this.selfParent(r) : null) ?? this.strangerUri(r)
    if (notFound) return { $type: "app.bsky.embed.record#viewNotFound", uri: qUri, notFound: true }
    const qDid = qUri.slice(5, qUri.indexOf("/", 5))
    const when = formatTime(this.curUs - r.range(60, 30 * 86400) * 1_000_000, "ms", 0)
    const handle = this.handle(qDid)
    return {
      $type: "app.bsky.embed.record#viewRecord",
      uri: qUri,
      cid: randomRecordCid(r),
      author: { did: qDid, handle: `${handle}.bsky.social`, displayName: handle },
      value: { $type: "app.bsky.feed.post", createdAt: when, langs: ["en"], text: sentence(r, r.range(10, 120)) },
      labels: [],
      likeCount: r.int(50),
      replyCount: r.int(5),
      repostCount: r.int(10),
      quoteCount: r.int(3),
      indexedAt: when
    }
  }

  /** The post being built, for the embed and label builders. */
  private current(): CurrentPost {
    return { did: this.curDid, uri: this.curUri, us: this.curUs, archived: this.curArchived, media: this.curMedia }
  }

  private build(r: Rng, createdAt: string, rkeyUs: number, clock: number, force: Force | undefined): Row {
    const f = (c: Force) => force === c
    const did = this.curDid
    const us = this.curUs
    const uri = postUri(did, tid(rkeyUs, clock))
    this.curUri = uri
    const text = postText(r, force)

    // Reply
    let isReply: 0 | 1 = 0
    let replyParent = ""
    if (f("replyNoParent")) isReply = 1
    else if (f("parentNoReply")) replyParent = this.strangerUri(r)
    else if (f("replySelf") || f("replyExternal") || r.chance(0.2)) {
      isReply = 1
      const x = r.next()
      const self = f("replySelf") || (!f("replyExternal") && x < 0.45) ? this.selfParent(r) : null
      replyParent =
        self ??
        (!f("replyExternal") && x < 0.6 && this.curOther < 0 && this.others.length > 0 && this.otherN > 0
          ? this.otherUri(r.int(this.others.length), r.int(this.otherN))
          : this.strangerUri(r))
    }

    // Embed
    let embedType = ""
    let embedData: string | null = null
    let hasMedia: 0 | 1 = 0
    let kind: Force | "imgN" | undefined = force
    if (kind === undefined || !EMBED_FORCES.has(kind)) {
      const x = r.next()
      kind =
        x < 0.12
          ? r.chance(0.55)
            ? "img1"
            : "imgN"
          : x < 0.17
            ? r.chance(0.6)
              ? "extThumb"
              : "extNoThumb"
            : x < 0.22
              ? r.chance(0.97)
                ? "record"
                : "recordNotFound"
              : x < 0.25
                ? r.chance(0.7)
                  ? "rwmImages"
                  : r.chance(0.66)
                    ? "rwmVideo"
                    : "rwmExternal"
                : x < 0.28
                  ? "video"
                  : undefined
    }
    switch (kind) {
      case "img1":
      case "imgN":
      case "img4":
        embedType = "images"
        hasMedia = 1
        embedData = JSON.stringify(images(r, kind === "img1" ? 1 : kind === "img4" ? 4 : r.range(2, 4), this.current()))
        break
      case "extThumb":
      case "extNoThumb":
        embedType = "external"
        hasMedia = kind === "extThumb" ? 1 : 0
        embedData = JSON.stringify(external(r, this.curDid, kind === "extThumb"))
        break
      case "record":
      case "recordNotFound":
        embedType = "record"
        embedData = JSON.stringify({
          $type: "app.bsky.embed.record#view",
          record: this.quoted(r, kind === "recordNotFound")
        })
        break
      case "rwmImages":
      case "rwmVideo":
      case "rwmExternal": {
        embedType = "record_with_media"
        hasMedia = 1
        const record = { record: this.quoted(r, false) }
        const media =
          kind === "rwmImages"
            ? images(r, r.range(1, 4), this.current())
            : kind === "rwmVideo"
              ? video(r, this.curDid)
              : external(r, this.curDid, true)
        embedData = JSON.stringify({ $type: "app.bsky.embed.recordWithMedia#view", record, media })
        break
      }
      case "video":
        embedType = "video"
        hasMedia = 1
        embedData = JSON.stringify(video(r, this.curDid))
        break
      case "mediaNull":
        embedType = "images"
        hasMedia = 1
        break
      case "embedNullText":
        embedType = "images"
        hasMedia = 1
        embedData = "null"
        break
    }

    const labels = postLabels(r, force, this.current())

    // Counts: mostly small, a few viral, and the catalog's extremes.
    const big = f("count31")
      ? 2147483647
      : f("count32")
        ? 4294967296
        : f("count53")
          ? 9007199254740991
          : f("count63")
            ? 9223372036854775807n
            : null
    const post: PostRow = {
      uri,
      cid: randomRecordCid(r),
      did,
      text,
      created_at: createdAt,
      indexed_at: indexedAt(r, us),
      has_media: hasMedia,
      like_count: big ?? count(r, 120),
      repost_count: count(r, 30),
      reply_count: count(r, 20),
      quote_count: count(r, 6),
      is_reply: isReply,
      reply_parent: replyParent,
      embed_type: embedType,
      embed_data: embedData,
      labels,
      archived_at: this.curArchived
    }
    return { post, media: this.curMedia }
  }
}

export const count = (r: Rng, scale: number): number => {
  if (r.chance(0.002)) return r.range(10_000, 2_000_000)
  const x = r.next()
  return Math.floor(x * x * x * x * scale)
}

export const EMBED_FORCES: ReadonlySet<Force> = new Set<Force>([
  "img1",
  "img4",
  "extThumb",
  "extNoThumb",
  "record",
  "recordNotFound",
  "rwmImages",
  "rwmVideo",
  "rwmExternal",
  "video",
  "mediaNull",
  "embedNullText"
])
