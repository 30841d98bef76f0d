/**
 * For snapshot.test.ts (json) and snapshot.long.test.ts (csv): an export reads one snapshot.
 * While it runs (slow test plugin, many small batches) a second connection inserts, deletes and
 * updates posts of the same DID in a WAL archive, and the file still holds exactly the rows
 * present when the export started — same set, same order, same texts, no duplicates — with
 * post_count equal to the posts in the file.
 */
import Database from "better-sqlite3"
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import {
  COLUMNS,
  exportOrder,
  generatePosts,
  jsonPosts,
  parseCsv,
  postRow,
  type PostRow,
  readExport,
  show,
  sleep,
  start,
  TEST_PLUGIN,
  tempEntries,
  waitFor,
  writeArchive
} from "./support.js"

const DID = "did:plc:busy"
const POSTS = 400

/** The rows of `did` in a database file, in export order (computed here, not by SQL). */
const rowsOf = (dbPath: string, did: string): Array<PostRow> => {
  const db = new Database(dbPath, { readonly: true })
  try {
    return exportOrder(db.prepare(`SELECT ${COLUMNS.join(", ")} FROM posts WHERE did = ?`).all(did) as Array<PostRow>)
  } finally {
    db.close()
  }
}

interface WriterStats {
  inserted: number
  deleted: number
  updated: number
  /** Write transactions committed while the export was still running. */
  whileRunning: number
  /** How many batches the export had written at each commit. */
  readonly batchesAtCommit: Set<number>
}

/**
 * Writes to the archive until `stop()` is true: each round inserts a post
 * (newest, oldest or in the middle of the DID's history), deletes an
 * original post (from the front or the back of the export order) and
 * rewrites the text of another.
 */
const writeUntil = async (
  dbPath: string,
  original: ReadonlyArray<PostRow>,
  batchesWritten: () => number,
  stop: () => boolean
): Promise<WriterStats> => {
  const db = new Database(dbPath, { timeout: 10_000 })
  const stats: WriterStats = { inserted: 0, deleted: 0, updated: 0, whileRunning: 0, batchesAtCommit: new Set() }
  try {
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
    const insert = db.prepare(
      `INSERT INTO posts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`
    )
    const remove = db.prepare("DELETE FROM posts WHERE uri = ?")
    const update = db.prepare("UPDATE posts SET text = ?, like_count = like_count + 1 WHERE uri = ?")
    let round = 0
    while (!stop()) {
      const n = round++
      const createdAt =
        n % 3 === 0 ? "2099-01-01T00:00:00.000Z" : n % 3 === 1 ? "2000-01-01T00:00:00.000Z" : original[200]!.created_at
      db.transaction(() => {
        insert.run(postRow(DID, `3znew${String(n).padStart(6, "0")}`, createdAt, `inserted during the export ${n}`))
        stats.inserted++
        const victim = n % 2 === 0 ? original[n] : original[original.length - 1 - n]
        if (victim !== undefined && remove.run(victim.uri).changes === 1) stats.deleted++
        const changed = original[(n * 37 + 11) % original.length]!
        update.run(`rewritten during the export ${n}`, changed.uri)
        stats.updated++
      })()
      if (!stop()) {
        stats.whileRunning++
        stats.batchesAtCommit.add(batchesWritten())
      }
      await sleep(5)
    }
  } finally {
    db.close()
  }
  return stats
}

/** Exports DID in `format` (`dir`: a folder of the calling file's) while a writer changes the archive. */
export const expectSnapshotHeld = async (dir: string, format: "json" | "csv"): Promise<void> => {
  const db = path.join(dir, `busy-${format}.db`)
  writeArchive(db, [...generatePosts(DID, POSTS), ...generatePosts("did:plc:busy2", 30)], { wal: true })
  // The expected rows: a copy of the archive taken before the export starts.
  const before = path.join(dir, `before-${format}.db`)
  copyFileSync(db, before)
  for (const suffix of ["-wal", "-shm"]) if (existsSync(db + suffix)) copyFileSync(db + suffix, before + suffix)
  const expected = rowsOf(before, DID)
  expect(expected).toHaveLength(POSTS)

  const out = path.join(dir, `out-${format}`)
  const markers = path.join(dir, `markers-${format}`)
  mkdirSync(markers)
  // The test plugin wraps the built-in one and sleeps before each of the 40 batches.
  const args = ["--format", `test${format}`, "--plugin", TEST_PLUGIN, "--batch-size", "10"]
  const running = start(["export", "--db", db, "--did", DID, "--out", out, ...args], {
    cwd: dir,
    env: { SKYPORTER_TEST_BASE: format, SKYPORTER_TEST_DELAY_MS: "40", SKYPORTER_TEST_MARKER_DIR: markers }
  })
  let exited = false
  const done = running.done.finally(() => (exited = true))
  try {
    await waitFor("the export to read batch 1", () => exited || existsSync(path.join(markers, "batch-1")), 120_000)
    const stats = await writeUntil(
      db,
      expected,
      () => readdirSync(markers).length,
      () => exited
    )
    const r = await done
    expect(r.code, show(r)).toBe(0)
    // The writer committed while batches were still being read.
    expect(readdirSync(markers).length).toBe(POSTS / 10)
    expect(stats.whileRunning, JSON.stringify(stats)).toBeGreaterThan(5)
    // …between different batches: commits landed after batch k and after batch j > k, both before the last.
    const between = [...stats.batchesAtCommit].filter((n) => n >= 1 && n < POSTS / 10)
    expect(between.length, JSON.stringify([...stats.batchesAtCommit])).toBeGreaterThanOrEqual(2)
    const published = r.stdout.trim()
    const { data, manifest } = readExport(published, format)
    const got =
      format === "json"
        ? jsonPosts(data).map((p) => ({ uri: p.uri, text: p.text }))
        : parseCsv(data.toString("utf8"))
            .slice(1)
            .map((rec) => ({ uri: rec[0]!, text: rec[3]! }))
    expect(got.map((p) => p.uri)).toEqual(expected.map((p) => p.uri))
    expect(got.map((p) => p.text)).toEqual(expected.map((p) => p.text))
    expect(new Set(got.map((p) => p.uri)).size).toBe(got.length)
    expect(manifest.post_count).toBe(got.length)
    expect(tempEntries(out)).toEqual([])
    // And the archive really did change underneath the export.
    const after = rowsOf(db, DID)
    expect(stats.inserted).toBeGreaterThan(0)
    expect(stats.deleted).toBeGreaterThan(0)
    expect(after.length).toBe(POSTS + stats.inserted - stats.deleted)
    expect(after.map((p) => p.uri)).not.toEqual(expected.map((p) => p.uri))
  } finally {
    if (!exited) running.child.kill("SIGKILL")
  }
}
