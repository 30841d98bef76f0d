/**
 * The golden vectors: a fixture archive and the exact bytes bskyarchive
 * writes for it. skyporter's JSON and CSV output must match them byte for byte.
 */
import Database from "better-sqlite3"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL("../fixtures/compat/", import.meta.url))

/** The golden files shipped with this package. */
export type GoldenName =
  | "alice.all.posts.json"
  | "alice.all.posts.csv"
  | "alice.range.posts.json"
  | "alice.range.posts.csv"
  | "bob.all.posts.json"
  | "empty.posts.csv"

/** Absolute path of a golden file. */
export const goldenPath = (name: GoldenName): string => dir + name

/** The exact bytes of a golden file. */
export const golden = (name: GoldenName): Buffer => readFileSync(goldenPath(name))

/** The date range of the `*.range.*` vectors (whole UTC days, inclusive). */
export const RANGE = { since: "2024-03-01", until: "2024-06-30" } as const

/** Writes the fixture archive (bskyarchive schema and rows) to a new SQLite file at `dbPath`. */
export const writeCompatArchive = (dbPath: string): void => {
  const db = new Database(dbPath)
  try {
    db.exec(readFileSync(dir + "fixture.sql", "utf8"))
  } finally {
    db.close()
  }
}
