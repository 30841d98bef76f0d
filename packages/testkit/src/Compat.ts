/**
 * The golden vectors: a fixture archive and the exact bytes bskyarchive
 * writes for it. skyporter's JSON and CSV output must match them byte for byte.
 */
import { DateRange, Post, Timestamp } from "@skyporter/core"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"

// Found by package name: the CLI's bundle inlines this module elsewhere.
const fixtures = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@skyporter/testkit/package.json")),
  "fixtures",
  "compat"
)

/** The golden files shipped with this package. */
export type GoldenName =
  | "alice.all.posts.json"
  | "alice.all.posts.csv"
  | "alice.range.posts.json"
  | "alice.range.posts.csv"
  | "bob.all.posts.json"
  | "empty.posts.csv"

/** Absolute path of a golden file. */
export const goldenPath = (name: GoldenName): string => path.join(fixtures, name)

/** The exact bytes of a golden file. */
export const golden = (name: GoldenName): Buffer => readFileSync(goldenPath(name))

/** The date range of the `*.range.*` vectors (whole UTC days, inclusive). */
export const RANGE = { since: "2024-03-01", until: "2024-06-30" } as const

/** Writes the fixture archive (bskyarchive schema and rows) to a new SQLite file at `dbPath`. */
export const writeCompatArchive = (dbPath: string): void => {
  const db = new Database(dbPath)
  try {
    db.exec(readFileSync(path.join(fixtures, "fixture.sql"), "utf8"))
  } finally {
    db.close()
  }
}

const GOLDEN_NAME = /^(\w+)\.(all|range)\.posts\.\w+$/

/** Whether a post of the `*.range.*` vectors is inside `RANGE` (compared as instants, as the core does). */
const inRange = (post: Post.Post): boolean => {
  const range = Effect.runSync(DateRange.make(RANGE))
  const t = Timestamp.canonicalInstant(post.createdAt.text)
  return t !== undefined && t >= range.since! && t <= range.until!
}

/**
 * The decoded posts a golden file holds, in export order: what the core
 * hands a plugin for that export (`empty.*` holds none).
 */
export const goldenPosts = (name: GoldenName): Array<Post.Post> => {
  const m = GOLDEN_NAME.exec(name)
  if (m === null) return []
  const dir = mkdtempSync(path.join(tmpdir(), "skyporter-compat-"))
  try {
    const file = path.join(dir, "fixture.db")
    writeCompatArchive(file)
    const db = new Database(file, { readonly: true })
    try {
      const rows = db
        .prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC`)
        .raw(true)
        .all(`did:plc:${m[1]}`) as Array<Array<unknown>>
      const posts = rows.map((row) => Post.decodeRow(row, () => {}))
      return m[2] === "range" ? posts.filter(inRange) : posts
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
