/**
 * How answers show server paths (ApiErrors' redactor), against a real
 * `skyporter serve` on loopback: a media row with an absolute path, missing
 * on disk, shows in an export's manifest — in GET /api/exports/{id} and in the
 * downloaded ZIP — without the server's folders.
 */
import Database from "better-sqlite3"
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { Progress } from "@skyporter/core"
import { makeRedactor } from "../src/ApiErrors.js"
import {
  DID_B,
  finished,
  POSTS,
  type Reply,
  request,
  seededArchive,
  serve,
  type Served,
  startExport,
  tempDir,
  verifyZip
} from "./support.js"

const fixture = seededArchive()

/** A copy of the seeded archive in a new folder, with an empty media root beside it. */
const copiedArchive = () => {
  const dir = tempDir()
  const db = path.join(dir, "archive.db")
  copyFileSync(fixture.db, db)
  const mediaRoot = path.join(dir, "media")
  mkdirSync(mediaRoot)
  return { dir, db, mediaRoot }
}

/** Gives DID_B's first media rows these paths (`only`: and deletes every other media row); their hashes. */
const setMediaPaths = (db: string, files: ReadonlyArray<string>, only: boolean): Array<string> => {
  const archive = new Database(db)
  const rows = archive
    .prepare("SELECT hash FROM media WHERE post_uri LIKE ? ORDER BY hash LIMIT ?")
    .pluck()
    .all(`at://${DID_B}/%`, files.length) as Array<string>
  expect(rows).toHaveLength(files.length)
  if (only) archive.prepare(`DELETE FROM media WHERE hash NOT IN (${rows.map(() => "?").join(", ")})`).run(...rows)
  for (const [i, file] of files.entries()) {
    archive.prepare("UPDATE media SET file_path = ? WHERE hash = ?").run(file, rows[i])
  }
  archive.close()
  return rows
}

/** Serves `db` with `--media-root`, exports DID_B with its media, and passes the export and its GET answer to `check`. */
const exportWithMedia = async (
  dir: string,
  db: string,
  mediaRoot: string,
  check: (server: Served, item: any, got: Reply) => Promise<void>
) => {
  const media = await serve({ db, out: path.join(dir, "out"), batchSize: POSTS, args: ["--media-root", mediaRoot] })
  try {
    const item = await startExport(media.url, { did: DID_B, format: "json", include_media: true })
    expect(await finished(media.url, item.id)).toBe("completed")
    await check(media, item, await request(media.url, "GET", `/api/exports/${item.id}`))
  } finally {
    await media.stop()
  }
}

describe("media paths", () => {
  it("shows an absolute media path under the media root as <media root>/…, any other by its name alone", async () => {
    const { dir, db, mediaRoot } = copiedArchive()
    // Absolute paths are a supported form of media.file_path; neither file exists.
    const inside = path.join(mediaRoot, "gone", "inside.png")
    const outside = path.join(tempDir(), "private", "outside.png")
    // Beside the archive, outside the media root: its folders are not shown either.
    const beside = path.join(dir, "elsewhere", "beside.png")
    const rows = setMediaPaths(db, [inside, outside, beside], false)
    await exportWithMedia(dir, db, mediaRoot, async (media, item, got) => {
      const shown = (manifest: any) => ({
        paths: manifest.missing_media
          .filter((m: any) => rows.includes(m.hash))
          .map((m: any) => m.file_path)
          .sort(),
        messages: manifest.warnings.messages.filter(
          (m: string) => m.includes("inside.png") || m.includes("outside.png") || m.includes("beside.png")
        )
      })
      const api = shown(got.body.manifest)
      expect(api.paths).toEqual(["<media root>/gone/inside.png", "<path>/beside.png", "<path>/outside.png"])
      // The manifest keeps the first warnings only: at least one of the three is among them.
      expect(api.messages.length).toBeGreaterThan(0)
      for (const m of api.messages)
        expect(m).toMatch(/^media file "(<media root>\/gone\/inside|<path>\/outside|<path>\/beside)\.png" of /)
      // The download's manifest.json shows the same; the export on disk keeps what the CLI writes.
      const zip = path.join(dir, "export.zip")
      writeFileSync(zip, Buffer.from(await (await fetch(new URL(item.links.download, media.url))).arrayBuffer()))
      const zipped = verifyZip(zip).manifest
      expect(shown(zipped)).toEqual(api)
      for (const text of [got.text, JSON.stringify(zipped)]) {
        for (const secret of [dir, path.dirname(outside), "elsewhere"]) expect(text).not.toContain(secret)
      }
      const name = Buffer.from(item.id, "base64url").toString().split("/")[1]!
      const onDisk = readFileSync(path.join(dir, "out", DID_B, name, "manifest.json"), "utf8")
      expect(onDisk).toContain(JSON.stringify(outside))
    })
  })

  it("maps media paths with quotes and backslashes in warnings whole, showing no folder of them", async () => {
    const { dir, db, mediaRoot } = copiedArchive()
    const elsewhere = tempDir()
    const files: Array<[string, string]> = [
      [path.join(mediaRoot, 'we"ird\\dir', 'in"side.png'), '<media root>/we"ird\\dir/in"side.png'],
      [path.join(elsewhere, 'alice"private', "taxes", "x.jpg"), "<path>/x.jpg"],
      [path.join(elsewhere, 'back\\"slash\\', "secret", 'y\\".png'), '<path>/y\\".png'],
      [path.join(elsewhere, "ends\\", "hidden", "z.png"), "<path>/z.png"]
    ]
    // Only these media rows: every warning is one of them.
    setMediaPaths(
      db,
      files.map(([file]) => file),
      true
    )
    await exportWithMedia(dir, db, mediaRoot, async (_, __, got) => {
      const shown = got.body.manifest.warnings.messages.map((m: string) => {
        const quoted = /^media file ("(?:[^"\\]|\\.)*") of /.exec(m)
        expect(quoted, m).not.toBeNull()
        return JSON.parse(quoted![1]!) as string
      })
      expect(shown.sort()).toEqual(files.map(([, as]) => as).sort())
      for (const secret of [dir, elsewhere, "private", "taxes", "secret", "hidden"]) {
        expect(got.text).not.toContain(secret)
      }
    })
  })
})

describe("an export's error message", () => {
  const redactor = makeRedactor([["/srv/skyporter/out", "<out>"]], "/srv/media")
  /** The message of a failed export's snapshot, as answers show it. */
  const failed = (message: string) =>
    redactor.snapshot({ ...Progress.initial, status: "failed", error: { stage: "media", message } }).error!.message

  it("shows a quoted media path without its folders, as warnings do", () => {
    expect(failed('cannot copy "/home/alice/secret/x.jpg" into the export: no room (ENOSPC)')).toBe(
      'cannot copy "<path>/x.jpg" into the export: no room (ENOSPC)'
    )
    expect(failed('cannot copy "/srv/media/a/b.jpg" into the export: EIO')).toBe(
      'cannot copy "<media root>/a/b.jpg" into the export: EIO'
    )
    expect(failed('cannot copy "media/c.jpg" into the export: EIO')).toBe(
      'cannot copy "media/c.jpg" into the export: EIO'
    )
    expect(failed("cannot create the folder /srv/skyporter/out/did:plc:x: a file is in the way")).toBe(
      "cannot create the folder <out>/did:plc:x: a file is in the way"
    )
  })

  it("names the request's fields where the core or a format names the CLI's flags", () => {
    expect(failed("too many posts. Export a date range with --since/--until (a year per page, say)")).toBe(
      "too many posts. Export a date range with since/until (a year per page, say)"
    )
    expect(failed("check --media-root (or --did)")).toBe("check include_media (or did)")
    // A path is not a flag: only a flag's pair after a slash is.
    expect(failed("cannot create the folder out/--x")).toBe("cannot create the folder out/--x")
    // Stored paths are quoted, and a flag the API has no field for keeps its name.
    expect(failed('cannot copy "--media/x.jpg" into the export: EIO')).toBe(
      'cannot copy "--media/x.jpg" into the export: EIO'
    )
    expect(failed("format lines rejects --width 0; --constructor too")).toBe(
      "format lines rejects --width 0; --constructor too"
    )
  })
})
