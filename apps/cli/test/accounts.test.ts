/**
 * `skyporter accounts --db FILE`: the accounts an archive holds posts for,
 * most posts first, with handles and the dates of their first and last
 * posts; `--json` as data. It never writes the archive, and refuses a --db
 * that is no archive in the words and exit codes of `export`.
 */
import Database from "better-sqlite3"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { postRow, run, sha256, show, useTempDir, writeArchive } from "./support.js"

const temp = useTempDir()

/** An archive of carol (3 posts, one stored with an offset), bob (1) and dave (3), handles for carol and bob. */
const archive = (name: string): string => {
  const db = path.join(temp.dir, `${name}.db`)
  writeArchive(db, [
    postRow("did:plc:carol", "a", "2024-03-01T01:00:00+05:00", "earliest, by its offset"),
    postRow("did:plc:carol", "b", "2024-02-29 22:00:00", "first by its text"),
    postRow("did:plc:carol", "c", "2025-07-01T00:30:00Z", "last"),
    postRow("did:web:bob.example", "a", "2023-05-05T05:05:05.5Z", "only"),
    postRow("did:plc:dave", "a", "2022-01-01T00:00:00Z", "one"),
    postRow("did:plc:dave", "b", "2022-01-02T00:00:00Z", "two"),
    postRow("did:plc:dave", "c", "2022-01-03T00:00:00Z", "three")
  ])
  const d = new Database(db)
  d.exec(`CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT, display_name TEXT);
    INSERT INTO profiles VALUES ('did:plc:carol', 'carol.example.com', 'Carol'), ('did:web:bob.example', 'bob.example', NULL);
    DROP INDEX IF EXISTS idx_posts_skyporter_export_order;`)
  d.close()
  return db
}

describe("skyporter accounts", () => {
  it("lists each account on one aligned line, most posts first, with its handle and first and last post dates", async () => {
    const db = archive("three")
    const r = await run(["accounts", "--db", db], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toBe("")
    // Ties (carol and dave, 3 posts each) by DID; carol's first post is 2024-02-29 in UTC, by its offset.
    expect(r.stdout).toBe(
      "did:plc:carol        @carol.example.com  3 posts  2024-02-29 to 2025-07-01\n" +
        "did:plc:dave         -                   3 posts  2022-01-01 to 2022-01-03\n" +
        "did:web:bob.example  @bob.example         1 post  2023-05-05 to 2023-05-05\n"
    )
  }, 60_000)

  it("--json: an array of {did, handle, posts, first, last}, first and last as UTC instants", async () => {
    const db = archive("json")
    const r = await run(["accounts", "--db", db, "--json"], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      {
        did: "did:plc:carol",
        handle: "carol.example.com",
        posts: 3,
        first: "2024-02-29T20:00:00Z",
        last: "2025-07-01T00:30:00Z"
      },
      { did: "did:plc:dave", handle: null, posts: 3, first: "2022-01-01T00:00:00Z", last: "2022-01-03T00:00:00Z" },
      {
        did: "did:web:bob.example",
        handle: "bob.example",
        posts: 1,
        first: "2023-05-05T05:05:05.5Z",
        last: "2023-05-05T05:05:05.5Z"
      }
    ])
  }, 60_000)

  it("never writes the archive: not even the index an export adds", async () => {
    const db = archive("untouched")
    const before = sha256(readFileSync(db))
    const r = await run(["accounts", "--db", db], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    expect(sha256(readFileSync(db))).toBe(before)
    const d = new Database(db, { readonly: true })
    expect(d.prepare("SELECT name FROM sqlite_master WHERE name = 'idx_posts_skyporter_export_order'").all()).toEqual(
      []
    )
    d.close()
  }, 60_000)

  it("an archive without posts: nothing on stdout, a note on stderr, exit 0; with --json an empty array", async () => {
    const db = path.join(temp.dir, "empty.db")
    writeArchive(db, [])
    const r = await run(["accounts", "--db", db], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe("skyporter accounts: the archive holds no posts\n")
    const json = await run(["accounts", "--db", db, "--json"], { cwd: temp.dir })
    expect(json.code, show(json)).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([])
  }, 60_000)

  it("refuses a --db that is missing, a folder, not SQLite or not an archive as `export` does (exit 2)", async () => {
    const cases = path.join(temp.dir, "cases")
    mkdirSync(cases)
    const text = path.join(cases, "notes.txt")
    writeFileSync(text, "not a database, but long enough to look like one to a careless reader\n".repeat(20))
    const other = path.join(cases, "other.db")
    const d = new Database(other)
    d.exec("CREATE TABLE things (id INTEGER)")
    d.close()
    for (const db of [path.join(cases, "missing.db"), cases, text, other]) {
      const accounts = await run(["accounts", "--db", db], { cwd: temp.dir })
      const exported = await run(["export", "--db", db, "--did", "did:plc:carol", "--out", "out"], { cwd: cases })
      expect(accounts.code, show(accounts)).toBe(2)
      expect(exported.code, show(exported)).toBe(2)
      expect(accounts.stdout).toBe("")
      expect(accounts.stderr).toContain(db)
      expect(accounts.stderr).toBe(exported.stderr.replaceAll("skyporter export", "skyporter accounts"))
    }
  }, 120_000)

  it("is listed by `skyporter --help`", async () => {
    const r = await run(["--help"], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^ {2}accounts {2,}List the accounts an archive holds posts for/m)
  }, 60_000)
})
