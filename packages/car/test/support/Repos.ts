/**
 * Real, signed repository CARs for the tests, written by the reference
 * implementation (`@atproto/repo`): posts of every embed kind, replies,
 * quotes, self-labels, unicode, and likes, follows, reposts and a profile
 * that an import skips; plus the image blobs the posts point to.
 */
import { Secp256k1Keypair } from "@atproto/crypto"
import { getFullRepo, MemoryBlockstore, Repo, type RecordWriteOp, WriteOpAction } from "@atproto/repo"
import { createHash } from "node:crypto"
import { CID } from "multiformats/cid"
import * as Digest from "multiformats/hashes/digest"

export const DID = "did:plc:importtest2222222222222"
export const OTHER = "did:plc:someoneelse22222222222222"

const SORT32 = "234567abcdefghijklmnopqrstuvwxyz"
/** A record key TID for post number `i` (increasing with `i`). */
export const tid = (i: number): string => {
  let v = (BigInt(1_700_000_000_000_000 + i * 1_000) << 10n) | 7n
  let out = ""
  for (let k = 0; k < 13; k++) {
    out = SORT32[Number(v & 31n)]! + out
    v >>= 5n
  }
  return out
}

export interface Blob {
  readonly cid: string
  readonly bytes: Buffer
  readonly mimeType: string
}

/** A blob of `n`: some bytes standing for an image, and its raw-codec CID. */
export const blob = (n: number, mimeType = "image/jpeg"): Blob & { ref: object } => {
  const bytes = Buffer.from(`image ${n} `.repeat(20 + (n % 7)), "utf8")
  const cid = CID.createV1(0x55, Digest.create(0x12, createHash("sha256").update(bytes).digest()))
  return { cid: cid.toString(), bytes, mimeType, ref: { $type: "blob", ref: cid, mimeType, size: bytes.length } }
}

const post = (rkey: string, record: Record<string, unknown>): RecordWriteOp => ({
  action: WriteOpAction.Create,
  collection: "app.bsky.feed.post",
  rkey,
  record: { $type: "app.bsky.feed.post", ...record } as never
})

const other = (collection: string, rkey: string, record: Record<string, unknown>): RecordWriteOp => ({
  action: WriteOpAction.Create,
  collection,
  rkey,
  record: { $type: collection, ...record } as never
})

const strong = (rkey: string, did = OTHER) => ({
  uri: `at://${did}/app.bsky.feed.post/${rkey}`,
  cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
})

export interface Built {
  readonly car: Buffer
  readonly did: string
  readonly blobs: ReadonlyArray<Blob>
  /** Posts in the repository, by record key. */
  readonly rkeys: ReadonlyArray<string>
  readonly commit: string
}

/** The catalog: one post of each kind (record keys tid(0)…), then `extra` plain posts. */
export const catalog = (extra = 0): { writes: Array<RecordWriteOp>; blobs: Array<Blob>; rkeys: Array<string> } => {
  const blobs: Array<Blob> = []
  const img = (n: number, mime = "image/jpeg") => {
    const b = blob(n, mime)
    blobs.push(b)
    return b.ref
  }
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()
  const writes: Array<RecordWriteOp> = [
    post(tid(0), { text: "plain post", createdAt: at(0) }),
    post(tid(1), { text: 'emoji 👩‍👩‍👧 🇯🇵, 日本語、"quotes"\nnew line', createdAt: at(1), langs: ["ja"] }),
    post(tid(2), {
      text: "a reply",
      createdAt: at(2),
      reply: { root: strong("3root"), parent: strong("3parent") }
    }),
    post(tid(3), {
      text: "one image",
      createdAt: at(3),
      embed: {
        $type: "app.bsky.embed.images",
        images: [{ alt: "a cat", image: img(1), aspectRatio: { width: 2000, height: 1500 } }]
      }
    }),
    post(tid(4), {
      text: "four images",
      createdAt: at(4),
      embed: {
        $type: "app.bsky.embed.images",
        images: [
          { alt: "", image: img(2, "image/png") },
          { alt: "two", image: img(3) },
          { alt: "three", image: img(4), aspectRatio: { width: 1, height: 1 } },
          { alt: "four", image: img(5, "image/webp") }
        ]
      }
    }),
    post(tid(5), {
      text: "a link with a card",
      createdAt: at(5),
      embed: {
        $type: "app.bsky.embed.external",
        external: { uri: "https://example.com/a", title: 'Title, "quoted"', description: "desc", thumb: blob(90).ref }
      }
    }),
    post(tid(6), {
      text: "a link without a card image",
      createdAt: at(6),
      embed: {
        $type: "app.bsky.embed.external",
        external: { uri: "https://example.com/b", title: "B", description: "" }
      }
    }),
    post(tid(7), {
      text: "a quote",
      createdAt: at(7),
      embed: { $type: "app.bsky.embed.record", record: strong("3quoted") }
    }),
    post(tid(8), {
      text: "quote with images",
      createdAt: at(8),
      embed: {
        $type: "app.bsky.embed.recordWithMedia",
        record: { $type: "app.bsky.embed.record", record: strong("3quoted2") },
        media: { $type: "app.bsky.embed.images", images: [{ alt: "rwm", image: img(6) }] }
      }
    }),
    post(tid(9), {
      text: "a video",
      createdAt: at(9),
      embed: {
        $type: "app.bsky.embed.video",
        video: { $type: "blob", ref: CID.parse(blob(91, "video/mp4").cid), mimeType: "video/mp4", size: 1234 },
        alt: "moving",
        aspectRatio: { width: 1920, height: 1080 }
      }
    }),
    post(tid(10), {
      text: "self-labelled",
      createdAt: at(10),
      labels: { $type: "com.atproto.label.defs#selfLabels", values: [{ val: "graphic-media" }, { val: "nudity" }] }
    }),
    post(tid(11), { text: "bad date", createdAt: "yesterday" }),
    post(tid(12), {
      text: "quote with video",
      createdAt: at(12),
      embed: {
        $type: "app.bsky.embed.recordWithMedia",
        record: { $type: "app.bsky.embed.record", record: strong("3quoted3") },
        media: {
          $type: "app.bsky.embed.video",
          video: { $type: "blob", ref: CID.parse(blob(92, "video/mp4").cid), mimeType: "video/mp4", size: 99 }
        }
      }
    }),
    post(tid(13), { text: "", createdAt: at(13) })
  ]
  for (let i = 14; i < 14 + extra; i++) {
    const withImage = i % 10 === 0
    writes.push(
      post(tid(i), {
        text: `post ${i} ${i % 3 === 0 ? "🦋" : "text"}`,
        createdAt: at(i),
        ...(withImage
          ? { embed: { $type: "app.bsky.embed.images", images: [{ alt: `img ${i}`, image: img(1000 + i) }] } }
          : {})
      })
    )
  }
  const rkeys = writes.map((w) => w.rkey)
  writes.push(
    other("app.bsky.actor.profile", "self", { displayName: "Import Test", description: "a profile" }),
    other("app.bsky.feed.like", tid(500_001), { subject: strong("3liked"), createdAt: at(1) }),
    other("app.bsky.feed.like", tid(500_002), { subject: strong("3liked2"), createdAt: at(2) }),
    other("app.bsky.feed.repost", tid(500_003), { subject: strong("3reposted"), createdAt: at(3) }),
    other("app.bsky.graph.follow", tid(500_004), { subject: OTHER, createdAt: at(4) })
  )
  return { writes, blobs, rkeys }
}

const keypair = Secp256k1Keypair.create()

/** Writes a signed repository of `writes` and returns its CAR. */
export const build = async (
  input: { writes: Array<RecordWriteOp>; blobs: Array<Blob>; rkeys: Array<string> },
  did = DID
): Promise<Built> => {
  const storage = new MemoryBlockstore()
  const repo = await Repo.create(storage, did, await keypair, input.writes)
  const chunks: Array<Uint8Array> = []
  for await (const chunk of getFullRepo(storage, repo.cid)) chunks.push(chunk)
  return { car: Buffer.concat(chunks), did, blobs: input.blobs, rkeys: input.rkeys, commit: repo.cid.toString() }
}

/** The same repository after more commits: `remove` posts deleted, `add` created (as a newer CAR would hold). */
export const rebuild = async (
  input: { writes: Array<RecordWriteOp>; blobs: Array<Blob>; rkeys: Array<string> },
  remove: ReadonlyArray<string>,
  add: Array<RecordWriteOp>,
  did = DID
): Promise<Built> => {
  const storage = new MemoryBlockstore()
  const kp = await keypair
  let repo = await Repo.create(storage, did, kp, input.writes)
  repo = await repo.applyWrites(
    [
      ...remove.map((rkey): RecordWriteOp => ({
        action: WriteOpAction.Delete,
        collection: "app.bsky.feed.post",
        rkey
      })),
      ...add
    ],
    kp
  )
  const chunks: Array<Uint8Array> = []
  for await (const chunk of getFullRepo(storage, repo.cid)) chunks.push(chunk)
  const gone = new Set(remove)
  return {
    car: Buffer.concat(chunks),
    did,
    blobs: input.blobs,
    rkeys: [...input.rkeys.filter((k) => !gone.has(k)), ...add.map((w) => w.rkey)],
    commit: repo.cid.toString()
  }
}

export { post as postWrite }
