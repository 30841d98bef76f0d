import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { DDL, EXPORT_INDEX } from "../dist/ArchiveSchema.js"
import * as BatchSource from "../dist/BatchSource.js"
import { tempDir, withStoredRecords } from "./helpers.js"
import { hostileKeys } from "./parallel-matrix.js"

/** Every DID's rowids in export order by SQL, against the walk in the index, in chunks of `chunk` taken every `stride`. */
const compare = (file: string, dids: ReadonlyArray<string>, chunk: number, stride: number) =>
  withStoredRecords(file, (records, db) => {
    if (typeof records === "string") throw new Error(records)
    let walked = 0
    for (const did of dids) {
      const init = BatchSource.workerInit(file, { did, range: {} })
      const all = db.prepare(init.chunkKeysSql).pluck().all({ did, limit: -1, offset: 0 }) as Array<number | string>
      const walk = records.exportOrder(did)
      if (walk === undefined) throw new Error("no walk")
      const got: Array<number | string> = []
      const want: Array<number | string> = []
      for (let offset = 0; offset < all.length + chunk; offset += stride) {
        got.push(...walk.take(offset, chunk))
        want.push(...all.slice(offset, offset + chunk))
      }
      expect(got, `${did}, chunks of ${chunk} every ${stride}`).toEqual(want)
      walked += got.length
    }
    return walked
  })

/** DIDs that sort around each other, one a prefix of another, one stored as a BLOB, in a small-paged deep index. */
const neighbours = (pageSize: number) => {
  const file = path.join(tempDir(), "dids.db")
  const db = new Database(file)
  db.pragma(`page_size = ${pageSize}`)
  db.exec(DDL)
  db.exec(EXPORT_INDEX)
  const add = db.prepare(
    `INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES (?, 'c', ?, 't', ?, '2024-01-01T00:00:00Z')`
  )
  const dids = ["did:plc:a", "did:plc:test", "did:plc:test2", "did:plc:tesu", "did:web:example.com"]
  db.transaction(() => {
    for (let i = 0; i < 4000; i++) {
      const did = dids[i % dids.length]!
      add.run(`at://${did}/app.bsky.feed.post/${i % 997}-${i}`, did, `2024-0${1 + (i % 9)}-1${i % 10}T00:00:0${i % 7}Z`)
    }
    db.prepare(
      "INSERT INTO posts (uri, cid, did, created_at, indexed_at) VALUES ('at://x/1', 'c', CAST('did:plc:test' AS BLOB), 'x', 'x')"
    ).run()
  })()
  db.close()
  return { file, dids: [...dids, "did:plc:none", "did:plc:tes"] }
}

describe("ExportOrderWalk", () => {
  for (const pageSize of [512, 4096]) {
    it(`walks each DID's posts in the order SQL gives, whatever is skipped (pages of ${pageSize} bytes)`, () => {
      const { file, dids } = neighbours(pageSize)
      expect(compare(file, dids, 100, 100)).toBe(4000)
      expect(compare(file, dids, 7, 19)).toBeGreaterThan(0)
      expect(compare(file, dids, 1000, 3000)).toBeGreaterThan(0)
    })
  }

  it("walks hostile keys as SQL orders them: every storage class, ties, NULLs, rowids past 2^53", () => {
    const file = hostileKeys()
    const db = new Database(file)
    db.exec(EXPORT_INDEX)
    db.close()
    expect(compare(file, ["did:plc:test"], 13, 13)).toBe(400)
    expect(compare(file, ["did:plc:test"], 5, 31)).toBeGreaterThan(0)
  })

  it("is not offered for an index that is not skyporter's, or a legacy file format", () => {
    const offered = (setup: (db: Database.Database) => void, patch: (file: string) => void = () => {}) => {
      const file = path.join(tempDir(), "other.db")
      const db = new Database(file)
      setup(db)
      db.close()
      patch(file)
      return withStoredRecords(file, (records) =>
        typeof records === "string" ? "refused" : records.exportOrder("did:plc:a") !== undefined
      )
    }
    expect(offered((db) => (db.exec(DDL), db.exec(EXPORT_INDEX)))).toBe(true)
    expect(offered((db) => db.exec(DDL))).toBe(false)
    const other = EXPORT_INDEX.replace("created_at DESC", "created_at")
    expect(offered((db) => (db.exec(DDL), db.exec(other)))).toBe(false)
    expect(offered((db) => (db.exec(DDL), db.exec(`${EXPORT_INDEX} WHERE did IS NOT NULL`)))).toBe(false)
    // Schema format 1 (byte 44 of the header), where SQLite ignores DESC in an index.
    const legacy = (file: string) => {
      const fd = fs.openSync(file, "r+")
      fs.writeSync(fd, Buffer.from([0, 0, 0, 1]), 0, 4, 44)
      fs.closeSync(fd)
    }
    expect(offered((db) => (db.exec(DDL), db.exec(EXPORT_INDEX)), legacy)).toBe(false)
  })
})
