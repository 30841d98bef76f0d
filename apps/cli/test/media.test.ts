/**
 * `skyporter export --media`, `--media-root` and `--zip`, and `skyporter seed
 * --media-root`, run as real subprocesses on real archives and files.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { execFileSync, spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { expectZipInterrupted, MEDIA_FLAG_CASES, refusesMediaFlags, seededWithMedia } from "./media-support.js"
import {
  exportOk,
  generatePosts,
  jsonPosts,
  type Manifest,
  removeDir,
  run,
  sha256,
  show,
  tempDir,
  writeArchive
} from "./support.js"

const DID = Synthetic.DEFAULT_DID

const fx = seededWithMedia()

interface MediaRow {
  readonly hash: string
  readonly post_uri: string
  readonly mime_type: string
  readonly file_path: string
}

const mediaRows = (db: string, where = "1"): Array<MediaRow> => {
  const conn = new Database(db, { readonly: true })
  try {
    return conn
      .prepare(`SELECT hash, post_uri, mime_type, file_path FROM media WHERE ${where} ORDER BY rowid`)
      .all() as Array<MediaRow>
  } finally {
    conn.close()
  }
}

/** Runs an export with --json; returns the manifest printed on stdout (without the export's path beside it). */
const exportJson = async (args: ReadonlyArray<string>, cwd = fx.dir): Promise<Manifest> => {
  const r = await run(["export", ...args, "--json", "--quiet"], { cwd })
  expect(r.code, show(r)).toBe(0)
  const { path: published, ...manifest } = JSON.parse(r.stdout) as Manifest & { path: string }
  expect(existsSync(published), published).toBe(true)
  return manifest
}

/** The single export under `out`, for the main DID. */
const onlyExport = (out: string): string => {
  const names = readdirSync(path.join(out, DID))
  expect(names).toHaveLength(1)
  return path.join(out, DID, names[0]!)
}

/** Checks every media entry of a manifest against the file in `exportDir`. */
const checkMediaFiles = (exportDir: string, manifest: Manifest) => {
  const media = manifest.files.filter((f) => f.path.startsWith("media/"))
  expect(media).toHaveLength(manifest.media_count)
  expect(readdirSync(path.join(exportDir, "media")).sort()).toEqual(media.map((f) => f.path.slice(6)).sort())
  for (const f of media) {
    const data = readFileSync(path.join(exportDir, f.path))
    expect({ path: f.path, bytes: data.length, sha256: sha256(data) }).toEqual(f)
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** An image file as its type says: PNG signature, or JPEG SOI … EOI (the images' bytes are checked in testkit's tests). */
const checkImage = (file: string, mimeType: string) => {
  const data = readFileSync(file)
  if (mimeType === "image/png") expect(data.subarray(0, 8)).toEqual(PNG_SIGNATURE)
  else expect([data[0], data[1], data.at(-2), data.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9])
}

describe("skyporter seed --media-root", () => {
  it("writes a valid image for each media row but 1 in 100, left missing", () => {
    const rows = mediaRows(fx.seeded)
    expect(rows.length).toBeGreaterThan(100)
    const root = path.dirname(fx.seeded)
    rows.forEach((row, k) => {
      const file = path.join(root, row.file_path)
      expect(existsSync(file), row.file_path).toBe(k % Synthetic.MISSING_MEDIA_EVERY !== 0)
      if (k % Synthetic.MISSING_MEDIA_EVERY !== 0) checkImage(file, row.mime_type)
    })
  })
})

describe("skyporter export --media", () => {
  it("copies the files of the DID's media rows and lists the missing ones", async () => {
    const out = path.join(fx.dir, "all")
    const r = await run(["export", "--db", fx.seeded, "--did", DID, "--out", out, "--media"], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(0)
    const exported = r.stdout.trim()
    const manifest = JSON.parse(readFileSync(path.join(exported, "manifest.json"), "utf8")) as Manifest
    // After the summary, the files skipped and why (no hint: most were found).
    const skipped = manifest.missing_media.length
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines.at(-2), show(r)).toMatch(/^json: 600 posts in .*, media \d+\/\d+$/)
    expect(lines.at(-1)).toBe(
      `skyporter export: ${skipped} media files skipped (listed in the manifest's missing_media): ` +
        `${skipped} not found under ${path.dirname(fx.seeded)}`
    )
    const all = mediaRows(fx.seeded)
    const missing = new Set(all.filter((_, k) => k % Synthetic.MISSING_MEDIA_EVERY === 0).map((m) => m.hash))
    const mine = all.filter((m) => m.post_uri.startsWith(`at://${DID}/`))
    expect(manifest.media_count).toBe(mine.filter((m) => !missing.has(m.hash)).length)
    expect(manifest.missing_media.map((m) => m.hash).sort()).toEqual(
      mine
        .filter((m) => missing.has(m.hash))
        .map((m) => m.hash)
        .sort()
    )
    expect(manifest.missing_media.every((m) => m.reason === "not_found")).toBe(true)
    expect(manifest.warnings.count).toBeGreaterThanOrEqual(manifest.missing_media.length)
    checkMediaFiles(exported, manifest)
  })

  it("says on stderr when no media file was found (not with --quiet); stdout stays the manifest", async () => {
    const root = path.join(fx.dir, "empty-media-root")
    mkdirSync(root)
    const args = ["export", "--db", fx.seeded, "--did", DID, "--media", "--media-root", root, "--json"]
    const r = await run([...args, "--out", path.join(fx.dir, "none-found")], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(0)
    const manifest = JSON.parse(r.stdout) as Manifest
    const skipped = manifest.missing_media.length
    expect(manifest.media_count).toBe(0)
    expect(skipped).toBeGreaterThan(0)
    expect(r.stderr, show(r)).toMatch(/json: 600 posts in .*, media 0\/\d+\n/)
    expect(r.stderr.slice(r.stderr.indexOf("skyporter export:"))).toBe(
      `skyporter export: ${skipped} media files skipped (listed in the manifest's missing_media): ` +
        `${skipped} not found under ${root}\n` +
        "skyporter export: no media file was found: check --media-root (relative media paths start from it; " +
        "default: the archive's folder)\n"
    )
    const quiet = await run([...args, "--quiet", "--out", path.join(fx.dir, "none-found-quiet")], { cwd: fx.dir })
    expect(quiet.code, show(quiet)).toBe(0)
    expect(quiet.stderr).toBe("")
    expect(JSON.parse(quiet.stdout)).toMatchObject({ media_count: 0, missing_media: manifest.missing_media })
  })

  it("copies only the media of the posts in a date range", async () => {
    const out = path.join(fx.dir, "range")
    const range = ["--since", "2024-03-01", "--until", "2024-08-31"]
    const manifest = await exportJson(["--db", fx.seeded, "--did", DID, "--out", out, "--media", ...range])
    const exported = onlyExport(out)
    const uris = new Set(jsonPosts(readFileSync(path.join(exported, "posts.json"))).map((p) => p.uri))
    expect(uris.size).toBe(manifest.post_count)
    const all = mediaRows(fx.seeded)
    const inRange = all.filter((m, k) => uris.has(m.post_uri) && k % Synthetic.MISSING_MEDIA_EVERY !== 0)
    expect(inRange.length).toBeGreaterThan(0)
    expect(inRange.length).toBeLessThan(all.length / 2)
    expect(
      manifest.files
        .filter((f) => f.path.startsWith("media/"))
        .map((f) => f.path)
        .sort()
    ).toEqual(inRange.map((m) => `media/${path.basename(m.file_path)}`).sort())
    expect(manifest.missing_media.every((m) => uris.has(m.post_uri))).toBe(true)
    checkMediaFiles(exported, manifest)
  })

  it("copies a shared file once, and refuses paths that leave the media root", async () => {
    const root = tempDir()
    const outside = tempDir()
    try {
      const db = path.join(root, "archive.db")
      const posts = generatePosts(DID, 6)
      writeArchive(db, posts)
      mkdirSync(path.join(root, "media"))
      writeFileSync(path.join(root, "media", "shared.jpg"), "shared bytes")
      writeFileSync(path.join(outside, "secret.jpg"), "not yours")
      symlinkSync(path.join(outside, "secret.jpg"), path.join(root, "media", "escape.jpg"))
      const conn = new Database(db)
      const insert = conn.prepare(
        "INSERT INTO media (hash, post_uri, mime_type, file_path, size_bytes) VALUES (?, ?, 'image/jpeg', ?, 0)"
      )
      const rows: Array<[string, string]> = [
        ["s1", "media/shared.jpg"],
        ["s2", "media/shared.jpg"],
        ["s3", "./media/../media/shared.jpg"],
        ["t1", "../../../../../../etc/passwd"],
        ["t2", "media/escape.jpg"],
        ["t3", path.join(outside, "secret.jpg")]
      ]
      rows.forEach(([hash, filePath], i) => insert.run(hash, posts[i]!.uri, filePath))
      conn.close()

      const out = path.join(root, "out")
      const manifest = await exportJson(["--db", db, "--did", DID, "--out", out, "--media"], root)
      expect(manifest.media_count).toBe(1)
      expect(manifest.files.slice(1)).toEqual([
        { path: "media/shared.jpg", bytes: 12, sha256: sha256(Buffer.from("shared bytes")) }
      ])
      expect(manifest.missing_media.map((m) => [m.hash, m.file_path, m.reason]).sort()).toEqual([
        ["t1", "../../../../../../etc/passwd", "outside_root"],
        ["t2", "media/escape.jpg", "outside_root"],
        ["t3", path.join(outside, "secret.jpg"), "outside_root"]
      ])
      expect(manifest.warnings.count).toBe(3)
      const exported = onlyExport(out)
      expect(readdirSync(path.join(exported, "media"))).toEqual(["shared.jpg"])
    } finally {
      removeDir(root)
      removeDir(outside)
    }
  })

  it("refuses an archive without a media table as not a bskyarchive archive: exit 2, nothing written", async () => {
    const db = path.join(fx.dir, "no-media-table.db")
    copyFileSync(fx.seeded, db)
    const edit = new Database(db)
    edit.exec("DROP TABLE media")
    edit.close()
    const out = path.join(fx.dir, "no-media-table")
    const r = await run(["export", "--db", db, "--did", DID, "--out", out, "--media"], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(
      `skyporter export: ${db} has no media table, so it holds no media files to copy: export it without --media\n` +
        "Run 'skyporter export --help' for usage.\n"
    )
    expect(existsSync(out)).toBe(false)
  })

  // A --media-root that is a file as well: media.long.test.ts.
  refusesMediaFlags(
    fx,
    MEDIA_FLAG_CASES.filter(([, , loop]) => loop)
  )
})

/** The repository's independent ZIP reader: python's zipfile, every entry read whole and its CRC-32 checked. */
const ZIP_ENTRIES = fileURLToPath(new URL("../../../scripts/zip-entries.py", import.meta.url))

describe("skyporter export --zip", () => {
  it("publishes one .zip holding the export's tree, and no folder", async () => {
    const out = path.join(fx.dir, "zipped")
    const flags = ["--media", "--zip", "--until", "2024-12-31", "--quiet"]
    const zip = await exportOk(["--db", fx.seeded, "--did", DID, "--out", out, ...flags], { cwd: fx.dir })
    expect(zip).toMatch(/\.zip$/)
    expect(readdirSync(path.dirname(zip))).toEqual([path.basename(zip)])

    const test = spawnSync("unzip", ["-t", zip], { encoding: "utf8" })
    expect(test.status, test.stdout + test.stderr).toBe(0)
    expect(test.stdout).toContain("No errors detected")
    const entries = JSON.parse(execFileSync("python3", [ZIP_ENTRIES, zip], { encoding: "utf8" })) as Array<{
      name: string
      size: number
      method: number
      sha256: string
    }>
    const byName = new Map(entries.map((e) => [e.name, e]))
    const manifest = JSON.parse(execFileSync("unzip", ["-p", zip, "manifest.json"], { encoding: "utf8" })) as Manifest
    expect(manifest.media_count).toBeGreaterThan(0)
    expect([...byName.keys()].sort()).toEqual(["manifest.json", "media/", ...manifest.files.map((f) => f.path)].sort())
    for (const f of manifest.files) expect(byName.get(f.path)).toMatchObject({ size: f.bytes, sha256: f.sha256 })
    expect(byName.get("posts.json")!.method).toBe(8)
    expect(entries.filter((e) => e.name.startsWith("media/") && e.name !== "media/").every((e) => e.method === 0)).toBe(
      true
    )
  })

  // SIGTERM the same way: media.long.test.ts.
  it(
    "SIGINT while media files go into the ZIP file: exit 130, nothing published, nothing left",
    () => expectZipInterrupted("SIGINT", fx.seeded, fx.dir),
    120_000
  )

  it("with --json prints the manifest that the .zip holds", async () => {
    const out = path.join(fx.dir, "zipped-json")
    const printed = await exportJson(["--db", fx.seeded, "--did", DID, "--out", out, "--zip"])
    const zip = onlyExport(out)
    expect(zip).toMatch(/\.zip$/)
    expect(JSON.parse(execFileSync("unzip", ["-p", zip, "manifest.json"], { encoding: "utf8" }))).toEqual(printed)
    expect(printed).toMatchObject({ media_count: 0, missing_media: [] })
  })
})
