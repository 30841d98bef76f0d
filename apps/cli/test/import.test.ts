/**
 * `skyporter import`: repository CARs written by the reference
 * implementation (@atproto/repo), imported by the real CLI, then exported
 * in every format and with --media; re-imports; refused CARs leave the
 * archive byte for byte as it was (more refusals: import.long.test.ts).
 */
import Database from "better-sqlite3"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import { expectTargetsRefused } from "./archive-targets.js"
import {
  exportOk,
  jsonPosts,
  type Manifest,
  parseCsv,
  generatePosts,
  readExport,
  removeDir,
  run,
  type RunResult,
  sha256,
  show,
  tempDir,
  writeArchive
} from "./support.js"

const DID = Repos.DID
/** The catalog (14 posts of every kind) and 186 plain posts, every 10th with an image. */
const POSTS = 200

let dir: string
let car: string
let blobsDir: string
let built: Repos.Built
let missing: Array<Repos.Blob>
/** An archive held locked (BEGIN IMMEDIATE) by this process while an import tries to write it. */
let locked: { db: string; before: string; holder: Database.Database; run: Promise<RunResult> } | undefined

beforeAll(async () => {
  dir = tempDir()
  built = await Repos.build(Repos.catalog(POSTS - 14))
  car = path.join(dir, "repo.car")
  writeFileSync(car, built.car)
  // Blob files named by CID, as `goat blob export` writes them; a tenth left out.
  blobsDir = path.join(dir, "blobs")
  mkdirSync(blobsDir)
  missing = built.blobs.filter((_, i) => i % 10 === 0)
  for (const b of built.blobs) if (!missing.includes(b)) writeFileSync(path.join(blobsDir, b.cid), b.bytes)
  // The import into a locked archive waits out SQLite's busy timeout (5 s, not an option) before it
  // fails: it starts here, on an archive of its own, and the last test takes its result, so the
  // wait overlaps the other tests rather than adding to them.
  const lockedDb = path.join(dir, "locked.db")
  writeArchive(lockedDb, generatePosts(DID, 3))
  // Hashed before the lock is taken: closing any file of the archive in this process would drop
  // the process's POSIX locks on it, the holder's among them.
  const before = fileHash(lockedDb)
  const holder = new Database(lockedDb)
  holder.exec("BEGIN IMMEDIATE")
  locked = { db: lockedDb, before, holder, run: importCar(["--car", car, "--db", lockedDb]) }
}, 120_000)

/** Lets the locked archive go (once), after the import that tried it has ended. */
const release = async () => {
  if (locked === undefined || !locked.holder.open) return
  await locked.run.catch(() => undefined)
  locked.holder.exec("ROLLBACK")
  locked.holder.close()
}

afterAll(async () => {
  await release()
  removeDir(dir)
})

const fileHash = (p: string) => sha256(readFileSync(p))

const importCar = (args: ReadonlyArray<string>) => run(["import", ...args], { cwd: dir })

const count = (db: string, sql = "SELECT count(*) FROM posts") => {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare(sql).pluck().get() as number
  } finally {
    d.close()
  }
}

describe("skyporter import", () => {
  const archiveDir = () => path.join(dir, "archive")
  const db = () => path.join(archiveDir(), "archive.db")

  it("imports a repository CAR into a new archive and says what it did", async () => {
    mkdirSync(archiveDir())
    const r = await importCar(["--car", car, "--db", db(), "--blobs", blobsDir])
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toBe(`${db()}\n`)
    expect(r.stderr).toMatch(/^import: verifying .*repo\.car \(0\.\d MB\)…$/m)
    expect(r.stderr).toMatch(/^import: 200\/200 posts \(100%\)/m)
    expect(r.stderr).toContain(`imported ${DID}`)
    expect(r.stderr).toContain(`${POSTS} posts — ${POSTS} new, 0 changed, 0 unchanged; 5 other records skipped`)
    expect(r.stderr).toContain("app.bsky.feed.like 2")
    expect(r.stderr).toMatch(/counts are not in a repository: imported posts have 0/)
    expect(r.stderr).toContain(
      `${built.blobs.length} images: ${built.blobs.length - missing.length} blob files copied into ${path.join(
        archiveDir(),
        "media"
      )}`
    )
    expect(r.stderr).toMatch(/1 warning:\n {2}at:\/\/.*createdAt "yesterday"/)
    expect(count(db())).toBe(POSTS)
  })

  it("without --blobs says that no blob files were copied because no folder was given", async () => {
    const media = path.join(archiveDir(), "media")
    const present = built.blobs.length - missing.length
    // Into the archive above: the blob files it copied are there, the missing tenth is not.
    const again = await importCar(["--car", car, "--db", db()])
    expect(again.code, show(again)).toBe(0)
    expect(again.stderr).toContain(
      `\n${built.blobs.length} images: ${present} blob files already in ${media}; the other ${missing.length} ` +
        "not copied, as no --blobs folder was given (an export with --media lists those as missing)\n"
    )
    const fresh = path.join(dir, "no-blobs")
    mkdirSync(fresh)
    const none = await importCar(["--car", car, "--db", path.join(fresh, "archive.db")])
    expect(none.code, show(none)).toBe(0)
    expect(none.stderr).toContain(
      `\n${built.blobs.length} images: no blob files copied, as no --blobs folder was given ` +
        "(an export with --media lists them as missing)\n"
    )
    expect(none.stderr).not.toMatch(/not found/)
    expect(existsSync(path.join(fresh, "media"))).toBe(false)
  })

  it("exports the imported posts in json, csv and ndjson", async () => {
    const out = path.join(dir, "out")
    const json = readExport(await exportOk(["--db", db(), "--did", DID, "--out", out, "--quiet"], { cwd: dir }), "json")
    expect(json.manifest.post_count).toBe(POSTS)
    const posts = jsonPosts(json.data) as Array<Record<string, unknown>>
    expect(new Set(posts.map((p) => p.uri))).toEqual(
      new Set(built.rkeys.map((k) => `at://${DID}/app.bsky.feed.post/${k}`))
    )
    const quote = posts.find((p) => p.text === "a quote")!
    expect(quote).toMatchObject({ embed_type: "record", like_count: 0, has_media: false })
    expect(posts.find((p) => p.text === "bad date")!.created_at).toBe("yesterday")
    expect(json.manifest.warnings.messages.join("\n")).toContain("yesterday")

    const csv = readExport(
      await exportOk(["--db", db(), "--did", DID, "--format", "csv", "--out", out, "--quiet"], { cwd: dir }),
      "csv"
    )
    const [header, ...records] = parseCsv(csv.data.toString("utf8"))
    expect(records).toHaveLength(POSTS)
    const col = (name: string) => header!.indexOf(name)
    const fourImages = records.find((r) => r[col("Text")] === "four images")!
    expect(fourImages[col("HasMedia")]).toBe("true")
    expect(fourImages[col("MediaFiles")]).toBe([2, 3, 4, 5].map((n) => Repos.blob(n).cid).join(";"))
    expect(records.find((r) => r[col("Text")] === "a link with a card")![col("MediaFiles")]).toBe(Repos.blob(90).cid)

    const ndjson = readExport(
      await exportOk(["--db", db(), "--did", DID, "--format", "ndjson", "--out", out, "--quiet"], { cwd: dir }),
      "ndjson"
    )
    const lines = ndjson.data
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(POSTS)
    expect(lines.map((p) => p.uri)).toEqual(posts.map((p) => p.uri))
  })

  it("exports with --media right after the import, and lists the missing tenth as not_found", async () => {
    const out = path.join(dir, "out-media")
    const r = await run(["export", "--db", db(), "--did", DID, "--out", out, "--media", "--json", "--quiet"], {
      cwd: dir
    })
    expect(r.code, show(r)).toBe(0)
    const manifest = JSON.parse(r.stdout) as Manifest
    expect(manifest.media_count).toBe(built.blobs.length - missing.length)
    const hex = (b: Repos.Blob) => createHash("sha256").update(b.bytes).digest("hex")
    expect(manifest.missing_media.map((m) => m.hash).sort()).toEqual(missing.map(hex).sort())
    expect(manifest.missing_media.every((m) => m.reason === "not_found")).toBe(true)
    const published = path.join(
      out,
      DID,
      readdirSync(path.join(out, DID)).find((n) => !n.startsWith("."))!
    )
    const files = readdirSync(path.join(published, "media"))
    expect(files).toHaveLength(built.blobs.length - missing.length)
    for (const f of files) expect(f.startsWith(sha256(readFileSync(path.join(published, "media", f))))).toBe(true)
  })

  it("re-imports the same CAR without changing the archive, and a newer one reporting deleted posts", async () => {
    const before = fileHash(db())
    const again = await importCar(["--car", car, "--db", db(), "--blobs", blobsDir])
    expect(again.code, show(again)).toBe(0)
    expect(again.stderr).toContain(`${POSTS} posts — 0 new, 0 changed, ${POSTS} unchanged`)
    expect(fileHash(db())).toBe(before)

    const newer = await Repos.rebuild(
      Repos.catalog(POSTS - 14),
      [Repos.tid(20), Repos.tid(21)],
      [Repos.postWrite(Repos.tid(9_000), { text: "written later", createdAt: "2025-06-01T00:00:00.000Z" })]
    )
    const newerCar = path.join(dir, "newer.car")
    writeFileSync(newerCar, newer.car)
    const kept = await importCar(["--car", newerCar, "--db", db(), "--json"])
    expect(kept.code, show(kept)).toBe(0)
    const summary = JSON.parse(kept.stdout)
    expect(summary).toMatchObject({ inserted: 1, deleted_since: 2, pruned: 0 })
    expect(count(db())).toBe(POSTS + 1)
    // In batches of 1 the search for them takes several steps, each reported on a line of its own.
    const text = await importCar(["--car", newerCar, "--db", db(), "--batch-size", "1"])
    expect(text.stderr).toMatch(/^checking for posts deleted since: \d+\/\d+ posts/m)
    expect(text.stderr).toMatch(
      /2 archived posts no longer in the repository \(deleted since\): kept; --prune removes them/
    )
    const pruned = await importCar(["--car", newerCar, "--db", db(), "--prune"])
    expect(pruned.code, show(pruned)).toBe(0)
    expect(pruned.stderr).toContain("2 archived posts no longer in the repository removed (--prune)")
    expect(count(db())).toBe(POSTS - 1)
  })

  it("refuses a truncated CAR and a file that is no CAR with exit 2, the archive unchanged, and a folder", async () => {
    const before = fileHash(db())
    // One CAR that ends early and one that is none (the rest: import.long.test.ts).
    const cases: Array<[string, Buffer, RegExp]> = [
      ["truncated.car", built.car.subarray(0, Math.floor(built.car.length * 0.6)), /truncated/],
      // Not a CAR at all: never "truncated" (that advice is for a CAR that ends early).
      ["text.car", Buffer.from("hello, I am not a CAR file\n"), /: not a CAR file \(it starts with the bytes 68 65 6c/]
    ]
    for (const [name, bytes, message] of cases) {
      const p = path.join(dir, name)
      writeFileSync(p, bytes)
      const r = await importCar(["--car", p, "--db", db(), "--blobs", blobsDir])
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^skyporter import: ${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `, "m"))
      expect(r.stderr).toMatch(message)
      if (name !== "truncated.car") expect(r.stderr).not.toMatch(/truncated/)
      expect(r.stdout).toBe("")
      expect(fileHash(db()), name).toBe(before)
    }
    // A directory: refused before reading, as `export --db <directory>` is.
    const folder = await importCar(["--car", blobsDir, "--db", db()])
    expect(folder.code, show(folder)).toBe(2)
    expect(folder.stderr).toBe(
      `skyporter import: --car ${blobsDir} is a directory: it must name a CAR file, a repository export ` +
        "(Settings → Export my data, or com.atproto.sync.getRepo)\nRun 'skyporter import --help' for usage.\n"
    )
    expect(fileHash(db())).toBe(before)
    const fresh = path.join(dir, "fresh.db")
    const r = await importCar(["--car", path.join(dir, "truncated.car"), "--db", fresh])
    expect(r.code, show(r)).toBe(2)
    expect(existsSync(fresh)).toBe(false)
  })

  it("refuses a --db in a folder that does not exist, under a file, or that is a folder: exit 2 before reading the CAR", () =>
    expectTargetsRefused("import", dir, (target) => importCar(["--car", car, "--db", target])))

  it("refuses a --blobs that is not a folder (exit 2) and a locked archive (exit 1), the archive unchanged", async () => {
    const before = fileHash(db())
    const r = await importCar(["--car", car, "--db", db(), "--blobs", path.join(dir, "no-such-folder")])
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(/--blobs .* is not a directory/)
    expect(fileHash(db())).toBe(before)
    // The import started before the first test, into an archive held locked since.
    const { run: lockedRun, db: lockedDb, before: lockedBefore } = locked!
    const refused = await lockedRun
    await release()
    expect(refused.code, show(refused)).toBe(1)
    expect(refused.stderr).toMatch(/is locked by another process/)
    expect(fileHash(lockedDb)).toBe(lockedBefore)
  })
})
