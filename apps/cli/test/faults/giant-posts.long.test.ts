/**
 * Giant posts. Batches end before the post that would take them past the
 * memory budget (8 MB, text counted as UTF-16), and the output is byte for
 * byte the same as with plain 1,000-post batches, for every format. An
 * archive of 2,000 posts of 2 MB each (4 GB) exports with a peak RSS under
 * 500 MB, measured by the process itself (getrusage, all threads).
 */
import { ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
import { mkdirSync, readdirSync, readFileSync, statfsSync } from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  COLUMNS,
  exportOk,
  generatePosts,
  LAUNCHER,
  postRow,
  readExport,
  removeDir,
  show,
  startCommand,
  tempDir,
  tempEntries,
  TEST_PLUGIN,
  writeArchive
} from "../support.js"
import { fixture, scanFile } from "./helpers.js"

const DID = "did:plc:giantposts"
const MB = 1024 * 1024

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

/** About `bytes` of UTF-8 text with quotes, commas, tabs, backslashes, line breaks and an emoji. */
const bigText = (bytes: number, seed: number): string => {
  const line = `giant post ${seed}: "quoted", a comma, a tab\t, a backslash \\ and a line break\n`
  return ("🦋 " + line.repeat(Math.ceil(bytes / line.length))).slice(0, bytes - 4)
}

/** A large stored embed: valid JSON with many small members (the slow path of re-indenting). */
const bigEmbed = (bytes: number, seed: number): string => {
  const item = JSON.stringify({
    $type: "app.bsky.embed.record#viewRecord",
    seed,
    text: 'a "quoted" 🦋 item, with a comma'
  })
  return `{"$type":"app.bsky.embed.record#view","items":[${Array(Math.ceil(bytes / (item.length + 1)))
    .fill(item)
    .join(",")}]}`
}

describe("giant posts", () => {
  it("batches shrink to the budget; json, csv and ndjson stay byte-identical to 1,000-post batches", async () => {
    const db = path.join(dir, "mixed.db")
    // 2,000 ordinary posts with 15 giants among them: 1 to 3 MB of text, 1 MB of embed JSON (valid or not).
    const rows = generatePosts(DID, 2_000)
    for (let i = 0; i < 15; i++) {
      const at = rows[i * 131]!.created_at
      const key = `3giant${String(i).padStart(3, "0")}`
      rows.push(
        i % 3 === 0
          ? postRow(DID, key, at, `embed ${i}`, {
              embed_type: "app.bsky.embed.record",
              embed_data: i % 2 === 0 ? bigEmbed(MB, i) : `${bigEmbed(MB, i)}, not JSON`,
              has_media: 1
            })
          : postRow(DID, key, at, bigText((1 + (i % 3)) * MB, i))
      )
    }
    writeArchive(db, rows)

    for (const format of ["json", "csv", "ndjson"] as const) {
      const plain = readExport(
        await exportOk(
          [
            "--db",
            db,
            "--did",
            DID,
            "--format",
            format,
            "--out",
            path.join(dir, `plain-${format}`),
            "--quiet",
            "--budget-bytes",
            String(2 ** 31 - 1)
          ],
          { cwd: dir }
        ),
        format
      )
      const budgeted = readExport(
        await exportOk(
          ["--db", db, "--did", DID, "--format", format, "--out", path.join(dir, `budget-${format}`), "--quiet"],
          { cwd: dir }
        ),
        format
      )
      expect(budgeted.manifest.post_count).toBe(2_015)
      expect(budgeted.data.equals(plain.data), `${format}: the budget changed the bytes`).toBe(true)
    }

    // How the batches were cut: the test plugin records each batch's size.
    const sizes = async (extra: ReadonlyArray<string>, name: string) => {
      const markers = path.join(dir, `markers-${name}`)
      mkdirSync(markers)
      await exportOk(
        [
          "--db",
          db,
          "--did",
          DID,
          "--format",
          "testjson",
          "--plugin",
          TEST_PLUGIN,
          "--out",
          path.join(dir, `out-${name}`),
          "--quiet",
          ...extra
        ],
        {
          cwd: dir,
          env: { SKYPORTER_TEST_MARKER_DIR: markers }
        }
      )
      const batches = readdirSync(markers)
        .map((m) => Number(m.slice("batch-".length)))
        .sort((a, b) => a - b)
      return batches.map((n) => Number(readFileSync(path.join(markers, `batch-${n}`), "utf8")))
    }
    expect(await sizes(["--budget-bytes", String(2 ** 31 - 1)], "plain")).toEqual([1000, 1000, 15])
    const budgeted = await sizes([], "budget")
    expect(budgeted.reduce((a, b) => a + b, 0)).toBe(2_015)
    expect(budgeted.length).toBeGreaterThan(6)
    // 3 MB of text is 6 MB counted as UTF-16: such a batch holds at most one giant.
    expect(Math.max(...budgeted)).toBeLessThanOrEqual(1000)
  }, 600_000)

  const free = () => {
    try {
      const s = statfsSync(dir ?? process.cwd())
      return s.bavail * s.bsize
    } catch {
      return Number.POSITIVE_INFINITY
    }
  }
  const NEEDED = 12 * 1024 * MB

  it("2,000 posts × 2 MB export with a peak RSS under 500 MB", async (context) => {
    if (free() < NEEDED) {
      context.skip(
        `needs 12 GB of free disk for the 4 GB archive and its 4 GB export; ${(free() / 1024 ** 3).toFixed(1)} GB free`
      )
    }
    const db = path.join(dir, "giant.db")
    const setup = new Database(db)
    setup.exec(ArchiveSchema.DDL)
    // Generated inside SQLite: one 2 MB text bound once, numbered per row.
    setup
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 2000)
       INSERT INTO posts (${COLUMNS.join(", ")})
       SELECT 'at://' || @did || '/app.bsky.feed.post/3giant' || i, 'bafyreigiant' || i, @did, i || ' ' || @text,
         strftime('%Y-%m-%dT%H:%M:%fZ', 1704067200 + i * 60, 'unixepoch'), '2025-01-01T00:00:00Z', 0, i, 0, 0, 0, 0,
         '', '', NULL, NULL, '2025-01-01 00:00:00' FROM n`
      )
      .run({ did: DID, text: bigText(2 * MB, 0) })
    setup.close()

    const out = path.join(dir, "out-giant")
    const rssFile = path.join(dir, "max-rss")
    const r = await startCommand(
      process.execPath,
      [
        "--import",
        pathToFileURL(fixture("max-rss.mjs")).href,
        LAUNCHER,
        "export",
        "--db",
        db,
        "--did",
        DID,
        "--out",
        out,
        "--quiet"
      ],
      { cwd: dir, env: { SKYPORTER_MAX_RSS_FILE: rssFile } }
    ).done
    expect(r.code, show(r)).toBe(0)
    const peakBytes = Number(readFileSync(rssFile, "utf8")) * 1024
    const published = r.stdout.trim()
    const manifest = JSON.parse(readFileSync(path.join(published, "manifest.json"), "utf8")) as {
      post_count: number
      files: Array<{ path: string; bytes: number; sha256: string }>
    }
    const file = path.join(published, "posts.json")
    expect(manifest.post_count).toBe(2_000)
    expect(manifest.files[0]!.bytes).toBeGreaterThan(2_000 * 2 * MB)
    // The manifest's sha256 holds, and every post is in the file once (a raw line break never occurs inside a JSON string).
    const scanned = await scanFile(file, `\n    "uri": "at://${DID}/app.bsky.feed.post/3giant`)
    expect(scanned.sha256).toBe(manifest.files[0]!.sha256)
    expect(scanned.count).toBe(2_000)
    expect(tempEntries(out)).toEqual([])
    expect(peakBytes, `peak RSS ${(peakBytes / MB).toFixed(0)} MB`).toBeLessThan(500 * MB)
    removeDir(out)
    removeDir(db)
  }, 1_800_000)
})
