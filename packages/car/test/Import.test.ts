import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { ArchiveSchema } from "@skyporter/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Import, Rev } from "../src/index.js"
import * as Repos from "./support/Repos.js"

let dir = ""
let built: Repos.Built
let carPath = ""
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "skyporter-car-test-"))
  built = await Repos.build(Repos.catalog())
  carPath = path.join(dir, "repo.car")
  writeFileSync(carPath, built.car)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const all = (db: string, sql: string) => {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare(sql).all() as Array<Record<string, any>>
  } finally {
    d.close()
  }
}
const uri = (i: number) => `at://${Repos.DID}/app.bsky.feed.post/${Repos.tid(i)}`
const hashOf = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex")

/** An archive holding the catalog repository, and a newer CAR of it without posts 0 and 3. */
const importedThenNewer = async (name: string) => {
  const newer = await Repos.rebuild(Repos.catalog(), [Repos.tid(0), Repos.tid(3)], [])
  const newerCar = path.join(dir, `${name}-newer.car`)
  writeFileSync(newerCar, newer.car)
  const db = path.join(dir, `${name}.db`)
  await Effect.runPromise(Import.run({ car: carPath, db }))
  return { db, newerCar }
}

describe("Import.run", () => {
  it("writes each post as bskyarchive stores it, and skips the other collections", async () => {
    const db = path.join(dir, "a.db")
    const summary = await Effect.runPromise(Import.run({ car: carPath, db }))
    expect(summary).toMatchObject({
      did: Repos.DID,
      commit: built.commit,
      posts: 14,
      records: 19,
      inserted: 14,
      updated: 0,
      unchanged: 0,
      skipped: {
        "app.bsky.actor.profile": 1,
        "app.bsky.feed.like": 2,
        "app.bsky.feed.repost": 1,
        "app.bsky.graph.follow": 1
      },
      media_rows: 6,
      blobs: { copied: 0, present: 0, absent: 6, mismatch: 0 },
      warnings: { count: 1 }
    })
    expect(summary.warnings.messages[0]).toMatch(/createdAt "yesterday" is not a valid timestamp \(kept as written\)/)
    const rows = new Map(all(db, "SELECT * FROM posts").map((r) => [r.uri as string, r]))
    expect([...rows.keys()].sort()).toEqual(built.rkeys.map((k) => `at://${Repos.DID}/app.bsky.feed.post/${k}`).sort())
    const stamps = Rev.stamps(summary.rev, new Date(0))
    for (const r of rows.values()) {
      expect(r).toMatchObject({ did: Repos.DID, like_count: 0, repost_count: 0, reply_count: 0, quote_count: 0 })
      expect(r.indexed_at).toBe(stamps.indexedAt)
      expect(r.archived_at).toBe(stamps.archivedAt)
    }
    expect(rows.get(uri(1))!.text).toBe('emoji 👩‍👩‍👧 🇯🇵, 日本語、"quotes"\nnew line')
    expect(rows.get(uri(0))).toMatchObject({
      created_at: "2024-01-01T00:00:00.000Z",
      has_media: 0,
      embed_type: "",
      embed_data: null,
      labels: null
    })
    expect(rows.get(uri(2))).toMatchObject({
      is_reply: 1,
      reply_parent: `at://${Repos.OTHER}/app.bsky.feed.post/3parent`
    })
    expect(rows.get(uri(11))!.created_at).toBe("yesterday")

    const one = Repos.blob(1)
    const images = JSON.parse(rows.get(uri(3))!.embed_data)
    expect(rows.get(uri(3))).toMatchObject({ embed_type: "images", has_media: 1 })
    expect(images).toEqual({
      $type: "app.bsky.embed.images#view",
      images: [
        {
          thumb: `https://cdn.bsky.app/img/feed_thumbnail/plain/${Repos.DID}/${one.cid}@jpeg`,
          fullsize: `https://cdn.bsky.app/img/feed_fullsize/plain/${Repos.DID}/${one.cid}@jpeg`,
          alt: "a cat",
          aspectRatio: { height: 1500, width: 2000 }
        }
      ]
    })
    expect(JSON.parse(rows.get(uri(4))!.embed_data).images).toHaveLength(4)
    const card = JSON.parse(rows.get(uri(5))!.embed_data)
    expect(rows.get(uri(5))).toMatchObject({ embed_type: "external", has_media: 1 })
    expect(card.external.thumb).toBe(
      `https://cdn.bsky.app/img/feed_thumbnail/plain/${Repos.DID}/${Repos.blob(90).cid}@jpeg`
    )
    expect(rows.get(uri(6))).toMatchObject({ embed_type: "external", has_media: 0 })
    expect(JSON.parse(rows.get(uri(7))!.embed_data)).toEqual({
      $type: "app.bsky.embed.record#view",
      record: {
        uri: `at://${Repos.OTHER}/app.bsky.feed.post/3quoted`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
      }
    })
    expect(rows.get(uri(7))).toMatchObject({ embed_type: "record", has_media: 0 })
    const rwm = JSON.parse(rows.get(uri(8))!.embed_data)
    expect(rows.get(uri(8))).toMatchObject({ embed_type: "record_with_media", has_media: 1 })
    expect(rwm.$type).toBe("app.bsky.embed.recordWithMedia#view")
    expect(rwm.media.images[0].fullsize).toContain(Repos.blob(6).cid)
    const video = JSON.parse(rows.get(uri(9))!.embed_data)
    expect(rows.get(uri(9))).toMatchObject({ embed_type: "video", has_media: 1 })
    expect(video).toMatchObject({
      $type: "app.bsky.embed.video#view",
      cid: Repos.blob(91, "video/mp4").cid,
      alt: "moving"
    })
    expect(JSON.parse(rows.get(uri(12))!.embed_data).media.$type).toBe("app.bsky.embed.video#view")
    expect(JSON.parse(rows.get(uri(10))!.labels).map((l: { val: string }) => l.val)).toEqual([
      "graphic-media",
      "nudity"
    ])

    const media = all(db, "SELECT * FROM media ORDER BY rowid")
    expect(media.map((m) => m.post_uri)).toEqual([uri(3), uri(4), uri(4), uri(4), uri(4), uri(8)])
    const hex = createHash("sha256").update(one.bytes).digest("hex")
    expect(media[0]).toMatchObject({
      hash: hex,
      mime_type: "image/jpeg",
      file_path: `media/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}.jpg`,
      size_bytes: one.bytes.length,
      width: 2000,
      height: 1500,
      alt_text: "a cat"
    })
    expect(media[1]!.file_path).toMatch(/\.png$/)
    expect(media[4]!.file_path).toMatch(/\.webp$/)
  })

  it("copies the blobs it finds (checked against their CIDs) beside the archive; re-importing changes nothing", async () => {
    const sub = path.join(dir, "b")
    const blobs = path.join(dir, "blobs")
    mkdirSync(sub)
    mkdirSync(blobs)
    const [first, second, third, ...rest] = built.blobs
    for (const b of rest) writeFileSync(path.join(blobs, b.cid), b.bytes)
    writeFileSync(path.join(blobs, second!.cid), "not the blob's bytes")
    void first
    void third
    const db = path.join(sub, "archive.db")
    const summary = await Effect.runPromise(Import.run({ car: carPath, db, blobs }))
    expect(summary.blobs).toEqual({ copied: 3, present: 0, absent: 2, mismatch: 1 })
    for (const m of all(db, "SELECT file_path FROM media")) {
      const p = path.join(sub, m.file_path)
      if (existsSync(p)) expect(path.basename(p).startsWith(hashOf(p))).toBe(true)
    }
    const before = hashOf(db)
    const again = await Effect.runPromise(Import.run({ car: carPath, db, blobs }))
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 14, deleted_since: 0 })
    expect(again.blobs).toEqual({ copied: 0, present: 3, absent: 2, mismatch: 1 })
    expect(hashOf(db)).toBe(before)
  })

  it("reports posts deleted since, and removes them only with prune", async () => {
    const input = Repos.catalog()
    const newer = await Repos.rebuild(
      input,
      [Repos.tid(0), Repos.tid(3)],
      [Repos.postWrite(Repos.tid(100), { text: "new since", createdAt: "2025-01-01T00:00:00.000Z" })]
    )
    const newerCar = path.join(dir, "newer.car")
    writeFileSync(newerCar, newer.car)
    const db = path.join(dir, "c.db")
    await Effect.runPromise(Import.run({ car: carPath, db }))
    const kept = await Effect.runPromise(Import.run({ car: newerCar, db }))
    expect(kept).toMatchObject({ inserted: 1, updated: 0, unchanged: 12, deleted_since: 2, pruned: 0 })
    expect(kept.deleted_uris).toEqual([uri(0), uri(3)].sort())
    expect(all(db, "SELECT count(*) AS n FROM posts")[0]!.n).toBe(15)
    const pruned = await Effect.runPromise(Import.run({ car: newerCar, db, prune: true }))
    expect(pruned).toMatchObject({ inserted: 0, deleted_since: 2, pruned: 2 })
    expect(all(db, "SELECT count(*) AS n FROM posts")[0]!.n).toBe(13)
    expect(all(db, "SELECT count(*) AS n FROM media WHERE post_uri = ?".replace("?", `'${uri(3)}'`))[0]!.n).toBe(0)
  })

  it("lists the first 20 posts deleted since, in uri order, and counts them all", async () => {
    const db = path.join(dir, "many-deleted.db")
    await Effect.runPromise(Import.run({ car: carPath, db }))
    // 25 archived posts of the account that the repository does not hold, written in reverse order.
    const gone = Array.from({ length: 25 }, (_, i) => uri(5_000 + i))
    const d = new Database(db)
    try {
      const insert = d.prepare(
        "INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES (?, 'c', ?, 'x', '2020-01-01', '2020-01-01')"
      )
      for (const u of [...gone].reverse()) insert.run(u, Repos.DID)
    } finally {
      d.close()
    }
    const kept = await Effect.runPromise(Import.run({ car: carPath, db }))
    expect(kept).toMatchObject({ deleted_since: 25, pruned: 0 })
    expect(kept.deleted_uris).toEqual([...gone].sort().slice(0, 20))
    const pruned = await Effect.runPromise(Import.run({ car: carPath, db, prune: true }))
    expect(pruned).toMatchObject({ deleted_since: 25, pruned: 25 })
    expect(pruned.deleted_uris).toEqual([...gone].sort().slice(0, 20))
    expect(all(db, "SELECT count(*) AS n FROM posts")[0]!.n).toBe(14)
  })

  it("prunes only the account's posts the repository lacks: not another account's inside its span, nor one without a uri", async () => {
    const { db, newerCar } = await importedThenNewer("span")
    const d = new Database(db)
    try {
      const insert = d.prepare(
        "INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES (?, 'c', ?, 'x', '2020-01-01', '2020-01-01')"
      )
      // Between the account's uris, but another account's row; and the account's row with no uri.
      insert.run(`at://${Repos.DID}/app.bsky.feed.post/${Repos.tid(1)}x`, "did:plc:someoneelse")
      insert.run(null, Repos.DID)
    } finally {
      d.close()
    }
    const reports: Array<Import.Progress> = []
    const pruned = await Effect.runPromise(
      Import.run({ car: newerCar, db, prune: true, batch: 1 }, (p) => {
        reports.push(p)
      })
    )
    expect(pruned).toMatchObject({ deleted_since: 2, pruned: 2 })
    expect(pruned.deleted_uris).toEqual([uri(0), uri(3)].sort())
    expect(all(db, "SELECT count(*) AS n FROM posts WHERE did = 'did:plc:someoneelse'")[0]!.n).toBe(1)
    expect(all(db, `SELECT count(*) AS n FROM posts WHERE uri IS NULL`)[0]!.n).toBe(1)
    // The search reports up to the account's posts with a uri, and ends there.
    const search = reports.filter((p) => p.checked !== undefined)
    expect(search.at(-1)).toMatchObject({ checked: search.at(-1)!.check_total })
    expect(search.at(-1)!.check_total).toBe(all(db, `SELECT count(uri) AS n FROM posts`)[0]!.n - 1 + 2)
  })

  it("lets an interrupt in while it looks for posts deleted since: the archive is left as it was", async () => {
    const { db, newerCar } = await importedThenNewer("interrupted")
    const before = hashOf(db)
    const reports: Array<Import.Progress> = []
    let fiber: Fiber.Fiber<unknown, unknown> | undefined
    fiber = Effect.runFork(
      Import.run({ car: newerCar, db, batch: 1 }, (p) => {
        reports.push(p)
        // In the middle of the search: the interrupt can only land between its stretches.
        if (p.checked !== undefined && fiber !== undefined) Effect.runFork(Fiber.interrupt(fiber))
      })
    )
    const exit = await Effect.runPromise(Fiber.await(fiber))
    expect(
      reports.some((p) => p.checked !== undefined),
      "the search reported its progress"
    ).toBe(true)
    expect(Exit.hasInterrupts(exit), String(exit)).toBe(true)
    expect(reports.some((p) => p.committed)).toBe(false)
    expect(hashOf(db)).toBe(before)
    expect(existsSync(`${db}-journal`) || existsSync(`${db}-wal`)).toBe(false)
  })

  it("leaves an existing archive byte for byte as it was, and creates none, when the CAR is refused", async () => {
    const db = path.join(dir, "d.db")
    await Effect.runPromise(Import.run({ car: carPath, db }))
    const before = hashOf(db)
    const flipped = Buffer.from(built.car)
    flipped[Math.floor(flipped.length / 2)] ^= 0x10
    const bad = path.join(dir, "flipped.car")
    writeFileSync(bad, flipped)
    const exit = await Effect.runPromiseExit(Import.run({ car: bad, db }))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(hashOf(db)).toBe(before)
    const fresh = path.join(dir, "never.db")
    expect(Exit.isFailure(await Effect.runPromiseExit(Import.run({ car: bad, db: fresh })))).toBe(true)
    expect(existsSync(fresh)).toBe(false)
  })

  it("runFor imports its own account's repository, and refuses another's before the archive is opened", async () => {
    const db = path.join(dir, "for.db")
    const error = await Effect.runPromise(Effect.flip(Import.runFor(Repos.OTHER, { car: carPath, db })))
    expect(error).toMatchObject({ _tag: "DidMismatch", expected: Repos.OTHER, found: Repos.DID })
    expect(error.message).toContain(`${Repos.DID}'s`)
    expect(existsSync(db)).toBe(false)
    const summary = await Effect.runPromise(Import.runFor(Repos.DID, { car: carPath, db }))
    expect(summary.inserted).toBe(14)
  })

  it("refuses a database that is not an archive, leaving it untouched", async () => {
    const db = path.join(dir, "other.db")
    const d = new Database(db)
    d.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep')")
    d.close()
    const before = hashOf(db)
    const exit = await Effect.runPromiseExit(Import.run({ car: carPath, db }))
    expect(Exit.isFailure(exit) && exit.cause.toString()).toMatch(/not a bskyarchive archive/)
    expect(hashOf(db)).toBe(before)
  })
})

describe("Import.run against a reader holding the archive", () => {
  /**
   * An existing archive (its schema only) and a reader that begins a read transaction once the import has
   * written its posts: the import holds the write lock by then, which lets readers in, so it is the import's
   * COMMIT (which needs the file alone) that waits for the reader.
   */
  const withReader = (name: string) => {
    const db = path.join(dir, `${name}.db`)
    const setup = new Database(db)
    setup.exec(ArchiveSchema.DDL)
    setup.close()
    const reader = new Database(db, { readonly: true })
    const state = { reading: false, readerBegan: 0, written: 0, committedWhileReading: false }
    let began = () => {}
    const readerStarted = new Promise<void>((resolve) => (began = resolve))
    const onProgress = (p: Import.Progress) => {
      if (p.committed) state.committedWhileReading = state.reading
      else if (p.posts_done > 0 && state.written === 0) {
        reader.exec("BEGIN")
        reader.prepare("SELECT count(*) FROM posts").pluck().get()
        state.reading = true
        state.readerBegan = Date.now()
        state.written = p.posts_done
        began()
      }
    }
    const release = () => {
      if (reader.inTransaction) reader.exec("COMMIT")
      state.reading = false
    }
    const close = () => {
      release()
      reader.close()
    }
    return { db, before: hashOf(db), state, readerStarted, onProgress, release, close }
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it("ends within a second when interrupted while its commit waits, leaving the archive as it was", async () => {
    const r = withReader("commit-interrupted")
    try {
      const fiber = Effect.runFork(Import.run({ car: carPath, db: r.db }, r.onProgress))
      await Promise.race([r.readerStarted, Effect.runPromise(Fiber.await(fiber))])
      expect(r.state.written, "every post was written before the reader began").toBe(14)
      // Into the commit's wait (5 s allowed), then the interrupt. Timed from the reader's start: a commit
      // that held up this thread would hold up the timer too.
      await sleep(300)
      const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
      expect(Date.now() - r.state.readerBegan, "ends without waiting out the lock").toBeLessThan(300 + 1_000)
      expect(Exit.hasInterrupts(exit), String(exit)).toBe(true)
      expect(Exit.hasFails(exit), String(exit)).toBe(false)
      expect(hashOf(r.db)).toBe(r.before)
      expect(existsSync(`${r.db}-journal`)).toBe(false)
    } finally {
      r.close()
    }
    expect(hashOf(r.db)).toBe(r.before)
  })

  it("commits once the reader ends its transaction within the wait", async () => {
    const r = withReader("commit-after-reader")
    try {
      const running = Effect.runPromiseExit(Import.run({ car: carPath, db: r.db }, r.onProgress))
      await Promise.race([r.readerStarted, running])
      expect(r.state.written, "every post was written before the reader began").toBe(14)
      await sleep(300)
      r.release()
      const exit = await running
      expect(Exit.isSuccess(exit) && exit.value.inserted, String(exit)).toBe(14)
      expect(r.state.committedWhileReading, "the commit waited for the reader").toBe(false)
    } finally {
      r.close()
    }
    expect(all(r.db, "SELECT count(*) AS n FROM posts")[0]!.n).toBe(14)
  })
})
