import Database from "better-sqlite3"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Archive from "../dist/Archive.js"
import { EXPORT_INDEX_NAME } from "../dist/ArchiveSchema.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import { archive, posts, tempDir } from "./helpers.js"

const open = (options: Archive.OpenOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.map(Archive.open(options), (a) => ({
        indexed: a.indexed,
        readOnly: a.readOnly
      }))
    )
  )

const failure = (options: Archive.OpenOptions) => Effect.runPromise(Effect.scoped(Effect.flip(Archive.open(options))))

const indexes = (file: string) => {
  const db = new Database(file, { readonly: true })
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all()
  db.close()
  return names
}

describe("Archive.open", () => {
  it("adds the export-order index to a writable archive, once", async () => {
    const file = archive(posts(3))
    const db = new Database(file)
    db.exec(`DROP INDEX IF EXISTS ${EXPORT_INDEX_NAME}`)
    db.close()
    expect(indexes(file)).not.toContain(EXPORT_INDEX_NAME)
    expect(await open({ path: file })).toEqual({ indexed: true, readOnly: false })
    expect(indexes(file)).toContain(EXPORT_INDEX_NAME)
    expect(await open({ path: file })).toEqual({ indexed: true, readOnly: false })
  })

  it("adds the index for the DID to be exported only when it holds at least a third of the posts", async () => {
    const share = async (mine: number, others: number) => {
      const file = archive([...posts(mine, "did:plc:t"), ...posts(others, "did:plc:other")])
      const db = new Database(file)
      db.exec(`DROP INDEX IF EXISTS ${EXPORT_INDEX_NAME}`)
      db.close()
      const opened = await open({ path: file, did: "did:plc:t" })
      expect(indexes(file).includes(EXPORT_INDEX_NAME)).toBe(opened.indexed)
      return opened
    }
    expect(await share(10, 20)).toEqual({ indexed: true, readOnly: false })
    expect(await share(40, 0)).toEqual({ indexed: true, readOnly: false })
    // A smaller share is read from sorted keys; the archive stays as it was.
    expect(await share(10, 21)).toEqual({ indexed: false, readOnly: false })
    expect(await share(0, 40)).toEqual({ indexed: false, readOnly: false })
  })

  it("gives the connection its page cache and sorter threads back after building the index", async () => {
    const file = archive(posts(3))
    const db = new Database(file)
    db.exec(`DROP INDEX IF EXISTS ${EXPORT_INDEX_NAME}`)
    db.close()
    const settings = (conn: Database.Database) => [
      conn.pragma("cache_size", { simple: true }),
      conn.pragma("threads", { simple: true })
    ]
    const after = await Effect.runPromise(
      Effect.scoped(Effect.map(Archive.open({ path: file }), (a) => settings(a.database)))
    )
    expect(indexes(file)).toContain(EXPORT_INDEX_NAME)
    expect(after).toEqual(settings(new Database(":memory:")))
  })

  it("leaves a read-only archive untouched", async () => {
    const file = archive(posts(3))
    const db = new Database(file)
    db.exec(`DROP INDEX IF EXISTS ${EXPORT_INDEX_NAME}`)
    db.close()
    expect(await open({ path: file, readOnly: true })).toEqual({ indexed: false, readOnly: true })
    expect(indexes(file)).not.toContain(EXPORT_INDEX_NAME)
  })

  it("walks the index in export order: no sort, whatever the depth", async () => {
    const file = archive(posts(10))
    const plan = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const a = yield* Archive.open({ path: file })
          const range = yield* DateRange.make({ since: "2024-01-01", until: "2024-12-31" })
          const { sql, params } = BatchSource.where({ did: "did:plc:test", range })
          return a.database
            .prepare(`EXPLAIN QUERY PLAN SELECT uri FROM posts WHERE ${sql} ORDER BY created_at DESC, uri ASC`)
            .all(params)
            .map((r: any) => r.detail as string)
        })
      )
    )
    expect(plan.join("\n")).toContain(EXPORT_INDEX_NAME)
    expect(plan.join("\n")).not.toMatch(/TEMP B-TREE/)
  })

  it("creates a new archive with bskyarchive's tables when asked", async () => {
    const file = path.join(tempDir(), "new.db")
    expect(await open({ path: file, create: true })).toEqual({ indexed: true, readOnly: false })
    const db = new Database(file, { readonly: true })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
    db.close()
    expect(tables).toEqual(["media", "posts"])
  })

  it("refuses a missing file", async () => {
    const e = await failure({ path: path.join(tempDir(), "missing.db") })
    expect(e).toMatchObject({ _tag: "ArchiveError", reason: "NotFound" })
    expect(e.message).toMatch(/does not exist/)
  })

  it("refuses a file that is not SQLite", async () => {
    const file = path.join(tempDir(), "garbage.db")
    writeFileSync(file, Buffer.alloc(8192, 0x5a))
    const e = await failure({ path: file })
    expect(e).toMatchObject({ _tag: "ArchiveError", reason: "NotSqlite" })
    expect(e.message).toMatch(/not a SQLite database/)
  })

  it("refuses a folder", async () => {
    const e = await failure({ path: tempDir() })
    expect(e).toMatchObject({ _tag: "ArchiveError", reason: "NotSqlite" })
  })

  it("refuses a SQLite file without a posts table", async () => {
    const file = path.join(tempDir(), "other.db")
    new Database(file).exec("CREATE TABLE notes (x)").close()
    const e = await failure({ path: file })
    expect(e).toMatchObject({ _tag: "ArchiveError", reason: "NotArchive" })
    expect(e.message).toMatch(/no posts table/)
  })

  it("names the columns a posts table lacks", async () => {
    const file = path.join(tempDir(), "partial.db")
    new Database(file).exec("CREATE TABLE posts (uri TEXT, did TEXT, created_at TEXT)").close()
    const e = await failure({ path: file })
    expect(e).toMatchObject({ _tag: "ArchiveError", reason: "NotArchive" })
    expect(e.message).toMatch(/lacks the columns cid, text, indexed_at/)
  })
})
