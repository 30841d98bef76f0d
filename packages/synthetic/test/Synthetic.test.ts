import Database from "better-sqlite3"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Synthetic from "../src/Synthetic.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-synthetic-")
let files = 0
const newFile = (): string => path.join(dir, `archive-${++files}.db`)

const N = 3000
const SEED = 7

type Raw = Array<unknown>
/** All rows of a table in insertion order, integers as bigint so nothing is rounded. */
const dump = (file: string, table: "posts" | "media"): Array<Raw> => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw(true).safeIntegers(true).all() as Array<Raw>
  } finally {
    db.close()
  }
}

const digest = (rows: Array<Raw>): string => {
  const h = createHash("sha256")
  for (const r of rows) {
    h.update(r.map((v) => (v === null ? "\u0000NULL" : `${typeof v}:${String(v)}`)).join("\u0001") + "\n")
  }
  return h.digest("hex")
}

const POST_COLUMNS = [
  "uri",
  "cid",
  "did",
  "text",
  "created_at",
  "indexed_at",
  "has_media",
  "like_count",
  "repost_count",
  "reply_count",
  "quote_count",
  "is_reply",
  "reply_parent",
  "embed_type",
  "embed_data",
  "labels",
  "archived_at"
]

/** The instant of a stored timestamp in ms (the three spellings of the compat README), or NaN. */
const instant = (t: string): number => {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/.exec(t)
  if (m === null) return NaN
  if (m[4] === undefined && t[10] !== " ") return NaN
  return Date.parse(`${m[1]}T${m[2]}${(m[3] ?? "").slice(0, 4)}${m[4] ?? "Z"}`)
}

describe("Synthetic.seedArchive", () => {
  let file: string
  let result: Synthetic.SeedResult
  let db: Database.Database
  const q = <A = unknown>(sql: string, ...params: Array<unknown>): A =>
    db
      .prepare(sql)
      .pluck()
      .get(...params) as A
  const col = <A = unknown>(sql: string, ...params: Array<unknown>): Array<A> =>
    db
      .prepare(sql)
      .pluck()
      .all(...params) as Array<A>

  beforeAll(() => {
    file = newFile()
    result = Synthetic.seedArchive(file, { posts: N, seed: SEED })
    db = new Database(file, { readonly: true })
    db.defaultSafeIntegers(false)
  })
  afterAll(() => db.close())

  it("is deterministic: the same options give byte-identical rows", () => {
    const again = newFile()
    expect(Synthetic.seedArchive(again, { posts: N, seed: SEED })).toEqual(result)
    expect(digest(dump(again, "posts"))).toBe(digest(dump(file, "posts")))
    expect(digest(dump(again, "media"))).toBe(digest(dump(file, "media")))
    expect(dump(again, "posts")).toEqual(dump(file, "posts"))
  })

  it("gives other rows for another seed, with the same counts of posts", () => {
    const other = newFile()
    const r = Synthetic.seedArchive(other, { posts: N, seed: SEED + 1 })
    expect(r.posts).toBe(N)
    expect(digest(dump(other, "posts"))).not.toBe(digest(dump(file, "posts")))
  })

  it("writes exactly the rows generatePosts yields, in the same order", () => {
    const generated = [...Synthetic.generatePosts({ posts: N, seed: SEED })]
    expect(generated.length).toBe(N + result.otherPosts)
    for (const p of generated.slice(0, 3)) expect(Object.keys(p)).toEqual(POST_COLUMNS)
    const big = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v)
    expect(dump(file, "posts")).toEqual(
      generated.map((p) => POST_COLUMNS.map((c) => big(p[c as keyof Synthetic.PostRow])))
    )
    const media = [...Synthetic.generateRows({ posts: N, seed: SEED })].flatMap((r) => r.media)
    expect(media.length).toBe(result.mediaRows)
    expect(dump(file, "media")).toEqual(media.map((m) => Object.values(m).map(big)))
  })

  it("has the bskyarchive schema and the export index", () => {
    expect(col("SELECT name FROM pragma_table_info('posts') ORDER BY cid")).toEqual(POST_COLUMNS)
    const indexes = col<string>(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    expect(indexes).toEqual([
      "idx_media_post_uri",
      "idx_posts_created_at",
      "idx_posts_did",
      "idx_posts_has_media",
      "idx_posts_is_reply",
      "idx_posts_skyporter_export_order"
    ])
  })

  it("writes N posts for the DID, the other DIDs' posts, and media rows of existing posts", () => {
    expect(result.did).toBe(Synthetic.DEFAULT_DID)
    expect(result.posts).toBe(N)
    expect(q("SELECT count(*) FROM posts WHERE did = ?", result.did)).toBe(N)
    expect(result.otherDids).toEqual(Synthetic.otherDidsFor({ posts: N, seed: SEED }))
    expect(result.otherDids.length).toBe(3)
    expect(result.otherDids).toContain(result.did + "2")
    expect(result.otherDids).toContain(result.did.replace("skyporterdemo", "SKYPORTERDEMO"))
    for (const d of result.otherDids) expect(q("SELECT count(*) FROM posts WHERE did = ?", d)).toBe(30)
    expect(result.otherPosts).toBe(90)
    expect(q("SELECT count(*) FROM posts")).toBe(N + result.otherPosts)
    expect(q("SELECT count(*) FROM media")).toBe(result.mediaRows)
    expect(result.mediaRows).toBeGreaterThan(N / 10)
    expect(q("SELECT count(*) FROM media m LEFT JOIN posts p ON p.uri = m.post_uri WHERE p.uri IS NULL")).toBe(0)
    expect(q("SELECT count(*) FROM media m JOIN posts p ON p.uri = m.post_uri WHERE p.has_media = 0")).toBe(0)
  })

  it("spells uris, cids, media hashes and paths like bskyarchive rows", () => {
    const bad = (sql: string) => col<string>(sql).slice(0, 3)
    for (const uri of col<string>("SELECT uri FROM posts")) {
      expect(uri).toMatch(/^at:\/\/did:[a-z]+:[A-Za-z0-9]+\/app\.bsky\.feed\.post\/[2-7a-z]{13}$/)
    }
    expect(bad("SELECT cid FROM posts WHERE cid NOT GLOB 'bafyrei*' OR length(cid) <> 59")).toEqual([])
    expect(
      bad(
        "SELECT reply_parent FROM posts WHERE reply_parent <> '' AND reply_parent NOT GLOB 'at://did:*/app.bsky.feed.post/*'"
      )
    ).toEqual([])
    const media = db.prepare("SELECT * FROM media").all() as Array<Synthetic.MediaRow>
    for (const m of media) {
      expect(m.hash).toMatch(/^[0-9a-f]{64}$/)
      expect(m.file_path).toBe(
        `media/${m.hash.slice(0, 2)}/${m.hash.slice(2, 4)}/${m.hash}.${m.mime_type === "image/png" ? "png" : "jpg"}`
      )
      expect(m.size_bytes).toBeGreaterThan(0)
    }
    expect(new Set(media.map((m) => m.width === null)).size).toBe(2)
    expect(new Set(media.map((m) => m.alt_text === "")).size).toBe(2)
  })

  it("embeds one image per media row, with cdn URLs", () => {
    const rows = db
      .prepare(
        "SELECT uri, embed_type, embed_data FROM posts WHERE has_media = 1 AND embed_type IN ('images', 'record_with_media') AND embed_data <> 'null' AND embed_data IS NOT NULL"
      )
      .all() as Array<{ uri: string; embed_type: string; embed_data: string }>
    let images = 0
    const perPost = new Map<string, number>()
    for (const r of rows) {
      const e = JSON.parse(r.embed_data)
      const list: Array<{ fullsize: string; thumb: string }> = e.images ?? e.media?.images ?? []
      for (const img of list) {
        const did = r.uri.slice(5, r.uri.indexOf("/", 5))
        expect(img.fullsize).toMatch(
          new RegExp(`^https://cdn\\.bsky\\.app/img/feed_fullsize/plain/${did}/bafkrei[a-z2-7]{52}@(jpeg|png)$`)
        )
        expect(img.thumb).toBe(img.fullsize.replace("feed_fullsize", "feed_thumbnail"))
      }
      images += list.length
      perPost.set(r.uri, list.length)
    }
    expect(images).toBe(result.mediaRows)
    for (const [uri, n] of db.prepare("SELECT post_uri, count(*) FROM media GROUP BY post_uri").raw().all() as Array<
      [string, number]
    >) {
      expect(perPost.get(uri)).toBe(n)
    }
  })

  it("has groups of posts sharing one exact created_at, in an order their uris do not follow", () => {
    expect(result.tieGroups).toBeGreaterThan(0)
    const groups = db
      .prepare("SELECT created_at, count(*) AS n FROM posts WHERE did = ? GROUP BY created_at HAVING n > 1")
      .all(result.did) as Array<{ created_at: string; n: number }>
    expect(groups.length).toBeGreaterThanOrEqual(result.tieGroups)
    expect(Math.max(...groups.map((g) => g.n))).toBeGreaterThanOrEqual(3)
    let shuffled = 0
    for (const g of groups) {
      const byRowid = col<string>(
        "SELECT uri FROM posts WHERE did = ? AND created_at = ? ORDER BY rowid",
        result.did,
        g.created_at
      )
      const byUri = [...byRowid].sort()
      if (byRowid.join() !== byUri.join()) shuffled++
    }
    expect(shuffled).toBeGreaterThan(0)
  })

  it("puts other DIDs' posts at the same created_at as main-DID posts", () => {
    const shared = q<number>(
      "SELECT count(*) FROM posts o WHERE o.did <> ? AND EXISTS (SELECT 1 FROM posts m WHERE m.did = ? AND m.created_at = o.created_at)",
      result.did,
      result.did
    )
    expect(shared).toBeGreaterThan(5)
  })

  it("has replies", () => {
    expect(
      q<number>("SELECT count(*) FROM posts WHERE did = ? AND is_reply = 1 AND reply_parent GLOB 'at://*'", result.did)
    ).toBeGreaterThan(N / 10)
    // Replies to the DID's own earlier posts, which are in the archive.
    expect(
      q<number>(
        "SELECT count(*) FROM posts p WHERE is_reply = 1 AND EXISTS (SELECT 1 FROM posts x WHERE x.uri = p.reply_parent)"
      )
    ).toBeGreaterThan(N / 20)
    expect(q<number>("SELECT count(*) FROM posts WHERE is_reply = 1 AND reply_parent = ''")).toBeGreaterThan(0)
    expect(q<number>("SELECT count(*) FROM posts WHERE is_reply = 0 AND reply_parent <> ''")).toBeGreaterThan(0)
  })

  it("has every embed kind", () => {
    const kinds = col<string>("SELECT DISTINCT embed_type FROM posts WHERE did = ? ORDER BY 1", result.did)
    expect(kinds).toEqual(["", "external", "images", "record", "record_with_media", "video"])
    const types = new Map<string, number>()
    for (const [t, data] of db
      .prepare("SELECT embed_type, embed_data FROM posts WHERE embed_data IS NOT NULL")
      .raw()
      .all() as Array<[string, string]>) {
      const e = JSON.parse(data)
      if (e === null) continue
      const key =
        t === "record_with_media"
          ? `${t}:${e.media.$type}`
          : t === "external"
            ? `${t}:${"thumb" in e.external}`
            : `${t}:${e.$type}`
      types.set(key, (types.get(key) ?? 0) + 1)
    }
    expect([...types.keys()].sort()).toEqual([
      "external:false",
      "external:true",
      "images:app.bsky.embed.images#view",
      "record:app.bsky.embed.record#view",
      "record_with_media:app.bsky.embed.external#view",
      "record_with_media:app.bsky.embed.images#view",
      "record_with_media:app.bsky.embed.video#view",
      "video:app.bsky.embed.video#view"
    ])
    expect(q("SELECT count(*) FROM posts WHERE embed_data GLOB '*viewNotFound*'")).toBeGreaterThan(0)
    expect(q("SELECT count(*) FROM posts WHERE has_media = 1 AND embed_data IS NULL")).toBeGreaterThan(0)
    expect(q("SELECT count(*) FROM posts WHERE embed_data = 'null'")).toBeGreaterThan(0)
  })

  it("has labels NULL, [], null and arrays of label objects", () => {
    expect(q("SELECT count(*) FROM posts WHERE labels IS NULL")).toBeGreaterThan(N / 2)
    expect(q("SELECT count(*) FROM posts WHERE labels = '[]'")).toBeGreaterThan(0)
    expect(q("SELECT count(*) FROM posts WHERE labels = 'null'")).toBeGreaterThan(0)
    const arrays = col<string>("SELECT labels FROM posts WHERE labels GLOB '[[]{*'")
    expect(arrays.length).toBeGreaterThan(0)
    for (const l of arrays) {
      for (const label of JSON.parse(l)) {
        expect(Object.keys(label).slice(0, 5)).toEqual(["src", "uri", "cid", "val", "cts"])
      }
    }
  })

  it("has text with emoji, CJK, RTL, quotes, commas, newlines and leading = and +", () => {
    const has = (pattern: RegExp) =>
      col<string>("SELECT text FROM posts WHERE did = ?", result.did).filter((t) => pattern.test(t)).length
    expect(has(/\u200d/)).toBeGreaterThan(0) // ZWJ sequences
    expect(has(/\p{Extended_Pictographic}/u)).toBeGreaterThan(0)
    expect(has(/\p{Regional_Indicator}{2}/u)).toBeGreaterThan(0) // flags
    expect(has(/[\u3040-\u30ff\u4e00-\u9fff]/)).toBeGreaterThan(0)
    expect(has(/[\u0590-\u05ff]/)).toBeGreaterThan(0)
    expect(has(/[\u0600-\u06ff]/)).toBeGreaterThan(0)
    expect(has(/"/)).toBeGreaterThan(0)
    expect(has(/,/)).toBeGreaterThan(N / 4)
    expect(has(/[^\r]\n/)).toBeGreaterThan(0)
    expect(has(/\r\n/)).toBeGreaterThan(0)
    expect(has(/\r[^\n]/)).toBeGreaterThan(0)
    expect(has(/^=/)).toBeGreaterThan(0)
    expect(has(/^\+/)).toBeGreaterThan(0)
    expect(has(/^-/)).toBeGreaterThan(0)
    expect(has(/^@/)).toBeGreaterThan(0)
    expect(has(/^$/)).toBeGreaterThan(0)
    expect(q<number>("SELECT max(length(text)) FROM posts")).toBeGreaterThanOrEqual(5000)
    // Mostly short, like real posts.
    expect(
      q<number>("SELECT count(*) FROM posts WHERE did = ? AND length(text) BETWEEN 20 AND 300", result.did)
    ).toBeGreaterThan(N * 0.8)
  })

  it("has counts from 0 to beyond 2^53", () => {
    expect(q("SELECT count(*) FROM posts WHERE like_count = 0")).toBeGreaterThan(0)
    expect(q("SELECT count(*) FROM posts WHERE like_count BETWEEN 10000 AND 2000000")).toBeGreaterThan(0)
    const big = col<string>(
      "SELECT CAST(like_count AS TEXT) FROM posts WHERE typeof(like_count) = 'integer' AND like_count >= 2147483647 ORDER BY like_count"
    )
    expect(big).toEqual(["2147483647", "4294967296", "9007199254740991", "9223372036854775807"])
  })

  it("spells created_at several ways, all within 2023–2025", () => {
    const all = col<string>("SELECT created_at FROM posts WHERE did = ?", result.did)
    const count = (re: RegExp) => all.filter((t) => re.test(t)).length
    const ms = count(/T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(ms).toBeGreaterThan(N * 0.75)
    expect(count(/T\d{2}:\d{2}:\d{2}Z$/)).toBeGreaterThan(0)
    expect(count(/\.\d{6}Z$/)).toBeGreaterThan(0)
    expect(count(/\.\d{9}Z$/)).toBeGreaterThan(0)
    expect(count(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)).toBeGreaterThan(0)
    expect(count(/[+-]\d{2}:\d{2}$/)).toBeGreaterThan(0)
    expect(count(/\+05:30$/)).toBeGreaterThan(0)
    const lo = Date.parse(Synthetic.SPAN_START)
    const hi = Date.parse(Synthetic.SPAN_END)
    for (const t of all) {
      const at = instant(t)
      expect(at, t).toBeGreaterThanOrEqual(lo)
      expect(at, t).toBeLessThan(hi)
    }
    const years = new Set(all.map((t) => new Date(instant(t)).getUTCFullYear()))
    expect([...years].sort()).toEqual([2023, 2024, 2025])
    // A date range selects a subset.
    const inRange = all.filter(
      (t) => instant(t) >= Date.parse("2024-03-01T00:00:00Z") && instant(t) < Date.parse("2024-07-01T00:00:00Z")
    )
    expect(inRange.length).toBeGreaterThan(N / 12)
    expect(inRange.length).toBeLessThan(N / 6)
    // indexed_at and archived_at are timestamps too, archived after created.
    for (const r of db.prepare("SELECT created_at, indexed_at, archived_at FROM posts").raw().all() as Array<
      [string, string, string]
    >) {
      expect(instant(r[1]), r[1]).toBeGreaterThanOrEqual(instant(r[0]))
      expect(instant(r[2]), r[2]).toBeGreaterThan(instant(r[1]))
    }
  })

  it("keeps every stored JSON value well-formed", () => {
    for (const v of col<string>(
      "SELECT embed_data FROM posts WHERE embed_data IS NOT NULL UNION ALL SELECT labels FROM posts WHERE labels IS NOT NULL"
    )) {
      expect(() => JSON.parse(v)).not.toThrow()
    }
  })
})

describe("Synthetic.seedArchive into an existing archive", () => {
  it("refuses a DID that already has posts, and leaves the rows alone", () => {
    const file = newFile()
    Synthetic.seedArchive(file, { posts: 100 })
    const before = dump(file, "posts")
    expect(() => Synthetic.seedArchive(file, { posts: 100 })).toThrow(
      /already has posts for did:plc:skyporterdemo22222222222;/
    )
    expect(() => Synthetic.seedArchive(file, { posts: 5, seed: 9 })).toThrow(/already has posts/)
    // The "2" DID was written as one of the other DIDs.
    expect(() => Synthetic.seedArchive(file, { posts: 5, did: Synthetic.DEFAULT_DID + "2" })).toThrow(
      /already has posts for did:plc:skyporterdemo222222222222;/
    )
    expect(dump(file, "posts")).toEqual(before)
  })

  it("adds another DID's posts next to existing ones", () => {
    const file = newFile()
    const a = Synthetic.seedArchive(file, { posts: 100 })
    const b = Synthetic.seedArchive(file, { posts: 200, did: "did:plc:secondarchiveuser2222222" })
    expect(b.otherDids.some((d) => a.otherDids.includes(d) || d === a.did)).toBe(false)
    const db = new Database(file, { readonly: true })
    try {
      const count = (did: string) => db.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(did)
      expect(count(a.did)).toBe(100)
      expect(count(b.did)).toBe(200)
      expect(db.prepare("SELECT count(*) FROM media").pluck().get()).toBe(a.mediaRows + b.mediaRows)
    } finally {
      db.close()
    }
  })
})

describe("Synthetic.generatePosts", () => {
  it("yields the same rows for the same options, without a file", () => {
    const a = [...Synthetic.generatePosts({ posts: 200, seed: 3, otherDids: 1, otherPosts: 5 })]
    const b = [...Synthetic.generatePosts({ posts: 200, seed: 3, otherDids: 1, otherPosts: 5 })]
    expect(a.length).toBe(205)
    expect(b).toEqual(a)
    expect(new Set(a.map((p) => p.uri)).size).toBe(205)
    expect(a.filter((p) => p.did === Synthetic.DEFAULT_DID).length).toBe(200)
  })

  it("covers every catalog case once there are enough posts", () => {
    const posts = [...Synthetic.generatePosts({ posts: Synthetic.CATALOG_SIZE, otherDids: 0 })]
    expect(new Set(posts.map((p) => p.embed_type))).toEqual(
      new Set(["", "images", "external", "record", "record_with_media", "video"])
    )
    expect(posts.some((p) => p.text.length >= 5000)).toBe(true)
    expect(posts.some((p) => p.like_count === 9223372036854775807n)).toBe(true)
  })

  it("handles tiny archives", () => {
    expect([...Synthetic.generatePosts({ posts: 0, otherDids: 0 })]).toEqual([])
    expect([...Synthetic.generatePosts({ posts: 1, otherDids: 0 })].length).toBe(1)
    expect([...Synthetic.generatePosts({ posts: 0 })].length).toBe(30)
  })

  it("rejects bad options", () => {
    expect(() => [...Synthetic.generatePosts({ posts: -1 })]).toThrow(/posts/)
    expect(() => [...Synthetic.generatePosts({ posts: 1.5 })]).toThrow(/posts/)
    expect(() => [...Synthetic.generatePosts({ posts: 1, did: "alice" })]).toThrow(/did/)
    expect(() => [...Synthetic.generatePosts({ posts: 1, seed: Number.NaN })]).toThrow(/seed/)
  })
})
