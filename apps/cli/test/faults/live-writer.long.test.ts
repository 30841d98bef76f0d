/**
 * A live writer: while a 200,000-post export runs, another PROCESS commits
 * to the WAL archive without pause — inserting posts at both ends and in the
 * middle of the history (ties included), rewriting texts, deleting posts.
 * The export's file is byte for byte the export of a copy taken at its start
 * (`VACUUM INTO` before the export and the writer start): same set, same
 * order, no duplicates, post_count equal to the rows.
 *
 * "At its start" is well defined: the export's snapshot begins when its
 * reader thread counts the posts, before the first progress line; the
 * writer is started only after that line, and the copy was taken before.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { spawn } from "node:child_process"
import { mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportOk,
  jsonPosts,
  readExport,
  removeDir,
  show,
  start,
  tempDir,
  tempEntries,
  TEST_PLUGIN,
  waitFor
} from "../support.js"
import { fixture } from "./helpers.js"

const POSTS = 200_000
const BATCHES = POSTS / 1000

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

const uris = (file: string, did: string): Array<string> => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare("SELECT uri FROM posts WHERE did = ?").pluck().all(did) as Array<string>
  } finally {
    db.close()
  }
}

describe("a live writer in another process during a 200,000-post export", () => {
  it("the file equals the snapshot taken at the start", async () => {
    const db = path.join(dir, "live.db")
    const { did } = Synthetic.seedArchive(db, { posts: POSTS, seed: 4 })
    const setup = new Database(db)
    setup.pragma("journal_mode = WAL")
    // The expected rows: a consistent copy taken before the export and the writer start.
    const snapshotCopy = path.join(dir, "at-start.db")
    setup.exec(`VACUUM INTO '${snapshotCopy.replace(/'/g, "''")}'`)
    setup.close()

    // The writer prepares first (it reads the DID's posts), then waits for its go.
    const writer = spawn(process.execPath, [fixture("writer.mjs"), db, did], {
      cwd: dir,
      stdio: ["pipe", "pipe", "inherit"]
    })
    let printed = ""
    writer.stdout.on("data", (d: Buffer) => (printed += d.toString("utf8")))
    const writerDone = new Promise<void>((resolve) => writer.on("close", () => resolve()))
    await waitFor("the writer to be ready", () => printed.includes("ready"), 120_000)

    const out = path.join(dir, "out")
    const markers = path.join(dir, "markers")
    mkdirSync(markers)
    // A short pause per batch stretches the export over a few seconds of concurrent writes.
    const running = start(
      ["export", "--db", db, "--did", did, "--out", out, "--format", "testjson", "--plugin", TEST_PLUGIN],
      {
        cwd: dir,
        env: { SKYPORTER_TEST_DELAY_MS: "15", SKYPORTER_TEST_MARKER_DIR: markers }
      }
    )
    let exited = false
    void running.done.then(() => (exited = true))
    try {
      await waitFor(
        "the first progress line",
        () => exited || /testjson: 0\/200000 posts/.test(running.stderr()),
        180_000
      )
      writer.stdin.write("go\n")
      await waitFor("the writer's first commit", () => exited || printed.includes("started"), 60_000)
      expect(exited, "the export ended before the writer's first commit").toBe(false)
      const batchesAtFirstCommit = readdirSync(markers).length
      const r = await running.done
      writer.kill("SIGTERM")
      await writerDone
      expect(r.code, show(r)).toBe(0)

      const counts = JSON.parse(printed.split("\n").filter((l) => l.startsWith("{"))[0]!) as {
        commits: number
        inserted: number
        updated: number
        deleted: number
      }
      // The writer committed throughout the export, from its first half on.
      expect(batchesAtFirstCommit).toBeLessThan(BATCHES / 2)
      expect(counts.commits, JSON.stringify(counts)).toBeGreaterThan(100)
      expect(counts.deleted).toBeGreaterThan(0)
      expect(counts.updated).toBeGreaterThan(0)

      const { data, manifest } = readExport(r.stdout.trim(), "json")
      const exported = jsonPosts(data).map((p) => p.uri)
      const atStart = uris(snapshotCopy, did)
      expect(manifest.post_count).toBe(POSTS)
      expect(exported).toHaveLength(atStart.length)
      expect(new Set(exported).size).toBe(exported.length)
      expect(new Set(exported)).toEqual(new Set(atStart))
      // Same order and same values: byte for byte the export of the copy.
      const expected = readExport(
        await exportOk(["--db", snapshotCopy, "--did", did, "--out", path.join(dir, "expected"), "--quiet"], {
          cwd: dir
        }),
        "json"
      )
      expect(data.equals(expected.data), "the export differs from the snapshot at its start").toBe(true)
      expect(tempEntries(out)).toEqual([])

      // And the archive really changed underneath.
      const now = uris(db, did)
      expect(now.length).toBe(POSTS + counts.inserted - counts.deleted)
      expect(new Set(now)).not.toEqual(new Set(atStart))
    } finally {
      if (!exited) running.child.kill("SIGKILL")
      writer.kill("SIGKILL")
    }
  }, 600_000)
})
