/**
 * The archive is never modified beyond the one index: after an export of a
 * writable archive in WAL mode, every row of every table is what it was,
 * and the schema differs only by `idx_posts_skyporter_export_order`. A
 * second export changes nothing more (in rollback-journal mode:
 * archive-untouched.long.test.ts).
 * An export of an account holding less than a third of the posts leaves the
 * archive exactly as it was, and writes what it would with the index.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { copyFileSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, removeDir, tempDir } from "../support.js"
import { contents, expectOnlyTheIndexAdded } from "./untouched.js"

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

describe("the archive after an export", () => {
  // In rollback-journal mode the same way: archive-untouched.long.test.ts.
  it(
    "WAL: same rows in every table, the schema plus only the export index",
    () => expectOnlyTheIndexAdded(dir, true),
    120_000
  )

  it("of an account with less than a third of the posts: unchanged, and the same bytes as with the index", async () => {
    const db = path.join(dir, "many.db")
    const { did } = Synthetic.seedArchive(db, { posts: 300, otherDids: 3, otherPosts: 300, seed: 4 })
    const c = new Database(db)
    c.exec("DROP INDEX IF EXISTS idx_posts_skyporter_export_order")
    c.close()
    const indexed = path.join(dir, "many-indexed.db")
    copyFileSync(db, indexed)
    const withIndex = new Database(indexed)
    withIndex.exec("CREATE INDEX idx_posts_skyporter_export_order ON posts(did, created_at DESC, uri)")
    withIndex.close()
    const before = contents(db)
    const args = ["--did", did, "--format", "json", "--quiet"]
    const sorted = await exportOk(["--db", db, "--out", path.join(dir, "out-many"), ...args], { cwd: dir })
    expect(contents(db)).toEqual(before)
    const viaIndex = await exportOk(
      ["--db", indexed, "--out", path.join(dir, "out-indexed"), "--threads", "1", ...args],
      {
        cwd: dir
      }
    )
    expect(readFileSync(path.join(sorted, "posts.json"))).toEqual(readFileSync(path.join(viaIndex, "posts.json")))
  }, 120_000)
})
