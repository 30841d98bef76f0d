import Database from "better-sqlite3"
import { Cause, Exit } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as ExportDirectory from "../dist/ExportDirectory.js"
import type * as Manifest from "../dist/Manifest.js"
import type * as Progress from "../dist/Progress.js"
import { archive, collect, insertMedia, posts, readZip, tempDir } from "./helpers.js"

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

/** `posts(10)`: post i is at 2024-06-01T00:00Z minus i minutes; uri …/0000000i. */
const uri = (i: number, did = "did:plc:test") => `at://${did}/app.bsky.feed.post/${String(i).padStart(8, "0")}`

/** Writes a file (and its folders) under `root`; returns its bytes. */
const put = (root: string, rel: string, data: Uint8Array = randomBytes(2000 + rel.length)): Uint8Array => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
  writeFileSync(path.join(root, rel), data)
  return data
}

const events = (exit: Exit.Exit<Array<Progress.ExportEvent>, unknown>): Array<Progress.ExportEvent> => {
  if (Exit.isFailure(exit)) throw new Error(`export failed: ${Cause.pretty(exit.cause)}`)
  return exit.value
}

const completed = (list: Array<Progress.ExportEvent>) => list.at(-1) as Progress.Completed

/** The export's media files (in its folder, or its ZIP file's entries), with each file's sha256. */
const mediaFolder = (dir: string): Record<string, string> => {
  if (dir.endsWith(".zip")) {
    const entries = readZip(dir).filter((e) => e.name.startsWith("media/") && e.name !== "media/")
    return Object.fromEntries(entries.map((e) => [e.name.slice("media/".length), e.sha256]))
  }
  const media = path.join(dir, "media")
  if (!existsSync(media)) return {}
  return Object.fromEntries(
    readdirSync(media)
      .sort()
      .map((n) => [n, sha256(readFileSync(path.join(media, n)))])
  )
}

/** The manifest an export published, in its folder or its ZIP file. */
const publishedManifest = (done: Progress.Completed): unknown =>
  JSON.parse(
    done.path.endsWith(".zip")
      ? execFileSync("unzip", ["-p", done.path, "manifest.json"], { encoding: "utf8" })
      : readFileSync(path.join(done.path, "manifest.json"), "utf8")
  )

const KINDS = [
  ["a folder", false],
  ["a ZIP file", true]
] as const

describe("media in exports", () => {
  it.each(KINDS)(
    "copies the media of exactly the exported posts, one copy per file, with sha256 in the manifest (%s)",
    async (_, zip) => {
      const file = archive([...posts(10), ...posts(3, "did:plc:other")])
      const root = path.dirname(file)
      const p0 = put(root, "media/aa/p0.jpg")
      const p1a = put(root, "media/aa/p1a.png")
      const p1b = put(root, "media/bb/p1b.jpg")
      const shared = put(root, "media/shared.jpg")
      put(root, "copies/shared.jpg", shared) // another path, same bytes: the same file
      put(root, "other/shared.jpg") // another path, other bytes: the name is taken
      put(root, "media/out-of-range.jpg")
      put(root, "media/others.jpg")
      insertMedia(file, [
        { hash: "h-out", post_uri: uri(8), file_path: "media/out-of-range.jpg" },
        { hash: "h0", post_uri: uri(0), file_path: "media/aa/p0.jpg" },
        { hash: "h1a", post_uri: uri(1), file_path: "media/aa/p1a.png", mime_type: "image/png" },
        { hash: "h1b", post_uri: uri(1), file_path: "media/bb/p1b.jpg" },
        { hash: "h2", post_uri: uri(2), file_path: "media/shared.jpg" },
        { hash: "h3", post_uri: uri(3), file_path: "media/shared.jpg" },
        { hash: "h3c", post_uri: uri(3), file_path: "copies/shared.jpg" },
        { hash: "h4", post_uri: uri(4), file_path: "other/shared.jpg" },
        { hash: "h-other", post_uri: uri(0, "did:plc:other"), file_path: "media/others.jpg" }
      ])
      const out = tempDir()
      // Posts 0–4: the range leaves out post 8 and the other account's post.
      const list = events(await collect(file, { out, media: true, zip, since: "2024-05-31T23:56:00Z", batchSize: 2 }))
      const done = completed(list)

      expect(list[0]).toMatchObject({ _tag: "Started", snapshot: { posts_total: 5, media_total: 6, media_copied: 0 } })
      expect(done.manifest.post_count).toBe(5)
      expect(done.manifest.media_count).toBe(4)
      expect(done.snapshot).toMatchObject({ media_copied: 4, media_total: 6 })
      expect(done.manifest.files.slice(1)).toEqual([
        { path: "media/p0.jpg", bytes: p0.length, sha256: sha256(p0) },
        { path: "media/p1a.png", bytes: p1a.length, sha256: sha256(p1a) },
        { path: "media/p1b.jpg", bytes: p1b.length, sha256: sha256(p1b) },
        { path: "media/shared.jpg", bytes: shared.length, sha256: sha256(shared) }
      ])
      expect(mediaFolder(done.path)).toEqual({
        "p0.jpg": sha256(p0),
        "p1a.png": sha256(p1a),
        "p1b.jpg": sha256(p1b),
        "shared.jpg": sha256(shared)
      })
      expect(done.manifest.missing_media).toEqual([
        { hash: "h4", post_uri: uri(4), file_path: "other/shared.jpg", reason: "name_conflict" }
      ])
      expect(done.manifest.warnings.count).toBe(1)
      expect(done.manifest.warnings.messages[0]).toMatch(
        /other\/shared\.jpg.*skipped: a different file already has this name/
      )
      // The manifest on disk is the one in the event.
      expect(publishedManifest(done)).toEqual(done.manifest)
      // Progress: media_copied only grows, and a last MediaCopied precedes Completed.
      const copied = list.filter((e) => e._tag === "MediaCopied").map((e) => e.snapshot.media_copied)
      expect(copied.at(-1)).toBe(4)
      expect([...copied].sort((a, b) => a - b)).toEqual(copied)
      expect(list.at(-2)!._tag).toBe("MediaCopied")
    }
  )

  it.each(KINDS)(
    "hashes files of any size as written, the read buffers reused from file to file (%s)",
    async (_, zip) => {
      // Around the 1 MiB read buffer: empty, smaller, exactly it, one byte past, several reads.
      const sizes = [0, 1, 700_000, 1 << 20, (1 << 20) + 1, 2_500_000, 3, 1_048_575, 5_000_000, 17]
      const file = archive(posts(sizes.length))
      const root = path.dirname(file)
      const data = sizes.map((n, i) => put(root, `media/f${i}.bin`, randomBytes(n)))
      insertMedia(
        file,
        data.map((_data, i) => ({ hash: `h${i}`, post_uri: uri(i), file_path: `media/f${i}.bin` }))
      )
      const done = completed(events(await collect(file, { out: tempDir(), media: true, zip })))
      const expected = data.map((d, i) => ({ path: `media/f${i}.bin`, bytes: d.length, sha256: sha256(d) }))
      expect(done.manifest.files.slice(1).sort((a, b) => a.path.localeCompare(b.path))).toEqual(
        expected.sort((a, b) => a.path.localeCompare(b.path))
      )
      expect(mediaFolder(done.path)).toEqual(Object.fromEntries(expected.map((e) => [e.path.slice(6), e.sha256])))
    }
  )

  it.each(KINDS)("skips missing, special and escaping files, lists them, and still succeeds (%s)", async (_, zip) => {
    const dir = tempDir()
    const file = archive(posts(20), path.join(dir, "archive.db"))
    const outside = tempDir()
    put(outside, "secret.jpg")
    put(outside, "dir/x.jpg")
    const real = put(dir, "media/real.jpg")
    const abs = put(dir, "media/abs.jpg")
    mkdirSync(path.join(dir, "media/adir"))
    spawnSync("mkfifo", [path.join(dir, "media/fifo")])
    symlinkSync(path.join(outside, "secret.jpg"), path.join(dir, "media/link-out.jpg"))
    symlinkSync(path.join(outside, "dir"), path.join(dir, "media/link-dir"))
    symlinkSync("real.jpg", path.join(dir, "media/link-in.jpg"))
    symlinkSync("loop-b.jpg", path.join(dir, "media/loop-a.jpg"))
    symlinkSync("loop-a.jpg", path.join(dir, "media/loop-b.jpg"))
    const rows: Array<[string, Manifest.MissingReason | "copied"]> = [
      ["media/missing.jpg", "not_found"],
      ["media/missing-dir/x.jpg", "not_found"],
      ["media/adir", "not_regular"],
      ["media/fifo", "not_regular"],
      ["media/loop-a.jpg", "not_regular"],
      ["../../etc/passwd", "outside_root"],
      ["/etc/hostname", "outside_root"],
      [path.join(outside, "secret.jpg"), "outside_root"],
      ["media/link-out.jpg", "outside_root"],
      ["media/link-dir/x.jpg", "outside_root"],
      ["", "invalid_path"],
      ["media\\windows\\style.jpg", "invalid_path"],
      ["media/link-in.jpg", "copied"],
      [path.join(dir, "media/abs.jpg"), "copied"]
    ]
    insertMedia(
      file,
      rows.map(([filePath], i) => ({ hash: `h${i}`, post_uri: uri(i), file_path: filePath }))
    )
    const out = tempDir()
    const done = completed(events(await collect(file, { out, media: true, zip })))

    expect(done.manifest.missing_media).toEqual(
      rows.flatMap(([filePath, reason], i) =>
        reason === "copied" ? [] : [{ hash: `h${i}`, post_uri: uri(i), file_path: filePath, reason }]
      )
    )
    expect(done.manifest.warnings.count).toBe(12)
    expect(done.manifest.media_count).toBe(2)
    // A symlink inside the root is followed: the file lands under the link's name.
    expect(mediaFolder(done.path)).toEqual({ "abs.jpg": sha256(abs), "link-in.jpg": sha256(real) })
  })

  it("resolves relative paths against an explicit media root", async () => {
    const file = archive(posts(2))
    const root = tempDir()
    const data = put(root, "media/x/a.jpg")
    put(path.dirname(file), "media/x/b.jpg") // beside the archive: not the root this time
    insertMedia(file, [
      { hash: "a", post_uri: uri(0), file_path: "media/x/a.jpg" },
      { hash: "b", post_uri: uri(1), file_path: "media/x/b.jpg" }
    ])
    const done = completed(events(await collect(file, { out: tempDir(), media: true, mediaRoot: root })))
    expect(mediaFolder(done.path)).toEqual({ "a.jpg": sha256(data) })
    expect(done.manifest.missing_media).toMatchObject([{ hash: "b", reason: "not_found" }])
  })

  it("sends few MediaCopied events for many small files, and one when there were none", async () => {
    const file = archive(posts(400))
    const root = path.dirname(file)
    insertMedia(
      file,
      posts(400).map((_, i) => ({ hash: `h${i}`, post_uri: uri(i), file_path: `m/${i}.jpg` }))
    )
    for (let i = 0; i < 400; i++) put(root, `m/${i}.jpg`, Buffer.from(`file ${i}`))
    const started = Date.now()
    const list = events(await collect(file, { out: tempDir(), media: true, batchSize: 50 }))
    const elapsed = Date.now() - started
    const media = list.filter((e) => e._tag === "MediaCopied")
    expect(completed(list).manifest.media_count).toBe(400)
    // At most one per 100 ms, plus the first and the final one.
    expect(media.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 100))
    expect(media.length).toBeLessThan(400)
    expect(media.at(-1)!.snapshot.media_copied).toBe(400)

    const none = events(await collect(archive(posts(3)), { out: tempDir(), media: true }))
    expect(none.filter((e) => e._tag === "MediaCopied").map((e) => e.snapshot)).toMatchObject([
      { media_copied: 0, media_total: 0 }
    ])
  })

  it("leaves media out unless asked: no folder, media_total 0, missing_media empty", async () => {
    const file = archive(posts(2))
    put(path.dirname(file), "media/a.jpg")
    insertMedia(file, [{ hash: "a", post_uri: uri(0), file_path: "media/a.jpg" }])
    const list = events(await collect(file, { out: tempDir() }))
    const done = completed(list)
    expect(list.some((e) => e._tag === "MediaCopied")).toBe(false)
    expect(done.snapshot).toMatchObject({ media_total: 0, media_copied: 0 })
    expect(done.manifest).toMatchObject({ media_count: 0, missing_media: [] })
    expect(existsSync(path.join(done.path, "media"))).toBe(false)
  })

  it("refuses a media root that is not a directory, and fails on an archive without a media table", async () => {
    const file = archive(posts(1))
    const notDir = await collect(file, { out: tempDir(), media: true, mediaRoot: file })
    expect(Exit.isFailure(notDir) && Cause.squash(notDir.cause)).toMatchObject({
      _tag: "InvalidRequest",
      field: "mediaRoot",
      message: expect.stringMatching(/is not a directory/)
    })
    const db = new Database(file)
    db.exec("DROP TABLE media")
    db.close()
    const out = tempDir()
    const noTable = await collect(file, { out, media: true })
    expect(Exit.isFailure(noTable) && Cause.squash(noTable.cause)).toMatchObject({
      _tag: "ExportFailed",
      stage: "media",
      message: expect.stringMatching(/no media table/)
    })
    // Nothing left: not even the DID folder the export made.
    expect(existsSync(path.join(out, "did:plc:test"))).toBe(false)
  })
})

describe("ZIP exports", () => {
  it("publishes <stamp>.zip with the directory's tree, and no directory", async () => {
    const file = archive(posts(30))
    const photo = put(path.dirname(file), "media/photo.jpg")
    insertMedia(file, [
      { hash: "p", post_uri: uri(3), file_path: "media/photo.jpg" },
      { hash: "gone", post_uri: uri(4), file_path: "media/gone.jpg" }
    ])
    const out = tempDir()
    const done = completed(events(await collect(file, { out, media: true, zip: true, batchSize: 7 })))

    expect(done.path).toMatch(/[/\\]\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.zip$/)
    expect(readdirSync(path.dirname(done.path))).toEqual([path.basename(done.path)])
    const entries = readZip(done.path)
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ["manifest.json", 8],
      ["media/", 0],
      ["media/photo.jpg", 0],
      ["posts.txt", 8]
    ])
    const byName = new Map(entries.map((e) => [e.name, e]))
    for (const f of done.manifest.files) expect(byName.get(f.path)).toMatchObject({ size: f.bytes, sha256: f.sha256 })
    expect(byName.get("media/photo.jpg")!.sha256).toBe(sha256(photo))
    expect(done.manifest.missing_media).toMatchObject([{ hash: "gone", reason: "not_found" }])
    const manifestBytes = Buffer.from(JSON.stringify(done.manifest, null, 2) + "\n")
    expect(byName.get("manifest.json")!.sha256).toBe(sha256(manifestBytes))
  })

  it("never reuses a name: a folder or ZIP export takes _2 when <stamp> or <stamp>.zip exists", async () => {
    const file = archive(posts(3))
    const out = tempDir()
    const parent = path.join(out, "did:plc:test")
    mkdirSync(parent, { recursive: true })
    // Every name the next minute could take, as folders for the ZIP and as .zip files for the folder export.
    const stamps = Array.from({ length: 60 }, (_, k) => ExportDirectory.stamp(new Date(Date.now() + k * 1000)))
    for (const s of stamps) mkdirSync(path.join(parent, s))
    const zipped = completed(events(await collect(file, { out, zip: true })))
    expect(path.basename(zipped.path)).toMatch(/_2\.zip$/)
    for (const s of stamps) writeFileSync(path.join(parent, `${s}.zip`), "taken")
    const folder = completed(events(await collect(file, { out })))
    expect(path.basename(folder.path)).toMatch(/_[23]$/)
    expect(readFileSync(path.join(parent, `${stamps[0]}.zip`), "utf8")).toBe("taken")
  })

  it("sweeps a ZIP left half-written by a killed export", async () => {
    const file = archive(posts(1))
    const out = tempDir()
    const host = hostname()
      .replace(/[^A-Za-z0-9.-]/g, "-")
      .slice(0, 32)
    const parent = path.join(out, "did:plc:test")
    mkdirSync(parent, { recursive: true })
    const leftover = `.skyporter-tmp-${host}-999999999-0-deadbeef.zip`
    writeFileSync(path.join(parent, leftover), "PK partial")
    const done = completed(events(await collect(file, { out, zip: true })))
    expect(readdirSync(parent)).toEqual([path.basename(done.path)])
  })
})
