/**
 * The archive is never modified beyond the one index: after an export of a
 * writable archive (rollback journal or WAL), every row of every table is
 * what it was, and the schema differs only by
 * `idx_posts_skyporter_export_order`. A second export changes nothing more.
 * An export of an account holding less than a third of the posts leaves the
 * archive exactly as it was, and writes what it would with the index.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { createHash } from "node:crypto"
import { copyFileSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, removeDir, tempDir } from "../support.js"

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

/** The schema entries, and a hash of every table's rows in rowid order. */
const contents = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    const schema = db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all() as Array<{
      name: string
    }>
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as Array<string>
    const rows = Object.fromEntries(
      tables.map((t) => {
        const hash = createHash("sha256")
        for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw(true).iterate()) {
          hash.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)))
        }
        return [t, hash.digest("hex")]
      })
    )
    return { schema, rows }
  } finally {
    db.close()
  }
}

describe("the archive after an export", () => {
  it.each([
    ["rollback journal", false],
    ["WAL", true]
  ] as const)(
    "%s: same rows in every table, the schema plus only the export index",
    async (_mode, wal) => {
      const db = path.join(dir, `archive-${wal}.db`)
      const { did } = Synthetic.seedArchive(db, { posts: 3_000, seed: 9 })
      // As bskyarchive leaves it: without skyporter's index.
      const c = new Database(db)
      c.exec("DROP INDEX IF EXISTS idx_posts_skyporter_export_order")
      if (wal) c.pragma("journal_mode = WAL")
      c.close()
      const before = contents(db)
      for (const format of ["json", "csv"]) {
        await exportOk(
          ["--db", db, "--did", did, "--format", format, "--out", path.join(dir, `out-${wal}`), "--quiet"],
          { cwd: dir }
        )
        const after = contents(db)
        expect(after.rows).toEqual(before.rows)
        expect(after.schema.filter((s) => s.name !== "idx_posts_skyporter_export_order")).toEqual(before.schema)
        expect(after.schema.map((s) => s.name)).toContain("idx_posts_skyporter_export_order")
      }
    },
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
