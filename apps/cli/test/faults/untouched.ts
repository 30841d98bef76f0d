/**
 * For archive-untouched.test.ts and archive-untouched.long.test.ts: what an archive holds (its
 * schema, and every table's rows), and the proof that exports leave it as it was but for the
 * export index.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { expect } from "vitest"
import { exportOk } from "../support.js"

/** The schema entries, and a hash of every table's rows in rowid order. */
export const contents = (file: string) => {
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

/**
 * A seeded archive in `dir` as bskyarchive leaves it (without skyporter's index; in WAL mode when
 * `wal`), exported in json, then csv: after each export every row of every table is what it was,
 * and the schema differs only by the export index (the second export changes nothing more).
 */
export const expectOnlyTheIndexAdded = async (dir: string, wal: boolean): Promise<void> => {
  const db = path.join(dir, `archive-${wal}.db`)
  const { did } = Synthetic.seedArchive(db, { posts: 3_000, seed: 9 })
  const c = new Database(db)
  c.exec("DROP INDEX IF EXISTS idx_posts_skyporter_export_order")
  if (wal) c.pragma("journal_mode = WAL")
  c.close()
  const before = contents(db)
  for (const format of ["json", "csv"]) {
    await exportOk(["--db", db, "--did", did, "--format", format, "--out", path.join(dir, `out-${wal}`), "--quiet"], {
      cwd: dir
    })
    const after = contents(db)
    expect(after.rows).toEqual(before.rows)
    expect(after.schema.filter((s) => s.name !== "idx_posts_skyporter_export_order")).toEqual(before.schema)
    expect(after.schema.map((s) => s.name)).toContain("idx_posts_skyporter_export_order")
  }
}
