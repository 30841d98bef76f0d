import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { DDL } from "../dist/ArchiveSchema.js"
import * as Post from "../dist/Post.js"
import { FIELDS, FieldKind, RecordBatch } from "../dist/RecordBatch.js"
import { tempDir, withStoredRecords } from "./helpers.js"
import { completed, hostileKeyChunks, run, sameBytesOnThreads, sequential, sortedKeyChunks } from "./parallel-matrix.js"
import recordLines from "./record-lines.mjs"

const COLUMNS = Post.selectColumns

/** Every post of `file` read both ways: the records' values and bytes against SQLite's. */
const readBoth = (file: string) =>
  withStoredRecords(file, (records, db) => {
    if (typeof records === "string") throw new Error(records)
    const rowids = db.prepare("SELECT rowid FROM posts ORDER BY rowid").pluck().all() as Array<number | bigint>
    const batch = new RecordBatch(() => {
      throw new Error("not asked")
    })
    const sql = db.prepare(`SELECT ${COLUMNS} FROM posts WHERE rowid = ?`).raw(true)
    const blobs = db
      .prepare(`SELECT ${NAMES.map((c) => `CAST(${c} AS BLOB)`).join(", ")} FROM posts WHERE rowid = ?`)
      .raw(true)
    let checked = 0
    for (const rowid of rowids) {
      records.reset(batch)
      const key = typeof rowid === "bigint" ? rowid.toString() : rowid
      records.find(key)
      records.add(batch)
      expect(records.values(batch, 0), `row ${rowid}`).toEqual(sql.get(rowid))
      const stored = blobs.get(rowid) as Array<Buffer | null>
      for (let f = 0; f < FIELDS; f++) {
        const kind = batch.kinds[f]
        if (kind === FieldKind.Text) {
          const bytes = batch.bytes.subarray(batch.starts[f], batch.ends[f])
          expect(stored[f] !== null && bytes.equals(stored[f]!), `${rowid}.${NAMES[f]}`).toBe(true)
        } else if (kind === FieldKind.Integer) {
          expect(batch.numbers[f], `${rowid}.${NAMES[f]}`).toBe(Number(String(sql.get(rowid)![f])))
        } else if (kind === FieldKind.Null) expect(stored[f]).toBeNull()
      }
      checked++
    }
    return checked
  })

const NAMES = Post.COLUMNS

/** An archive of hostile values: every storage class, text that is not UTF-8, records past a page. */
const hostileValues = (file: string, pageSize = 4096) => {
  const db = new Database(file)
  db.pragma(`page_size = ${pageSize}`)
  db.exec(DDL.replace("created_at TIMESTAMP NOT NULL", "created_at TIMESTAMP"))
  const add = db.prepare(
    `INSERT INTO posts (rowid, uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count,
       reply_count, quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at)
     VALUES (@rowid, @uri, 'bafy', 'did:plc:test', @text, @created, '2024-01-01T00:00:00Z', @flag, @count, @count,
       -1, 2147483648, @flag, NULL, '', @embed, NULL, @archived)`
  )
  const values: Array<unknown> = [
    0,
    1,
    -1,
    127,
    -128,
    255,
    32767,
    -32768,
    8388607,
    -8388608,
    2147483647,
    -2147483648,
    140737488355327,
    -140737488355328,
    9007199254740991,
    9007199254740992,
    -9007199254740993n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    1.5,
    -0.0,
    1e300,
    null,
    "12",
    "007",
    "x",
    Buffer.from([1, 2, 3])
  ]
  db.transaction(() => {
    for (let i = 0; i < 600; i++) {
      const v = values[i % values.length]
      add.run({
        rowid: i === 7 ? -5 : i === 8 ? 2n ** 62n : i + 1,
        uri: `at://did:plc:test/app.bsky.feed.post/${i}`,
        text: i % 5 === 0 ? 'é🙂\u2028"\\\n'.repeat(i % 200) : i % 5 === 1 ? null : `post ${i}`,
        created: i % 3 === 0 ? v : "2024-05-01T00:00:00.120Z",
        flag: i % 4 === 0 ? v : i % 2,
        count: v,
        embed: i % 50 === 0 ? JSON.stringify({ big: "z".repeat(i * 40) }) : i % 7 === 0 ? Buffer.from("{}") : null,
        archived: i % 11 === 0 ? null : "2025-01-01 10:00:00"
      })
    }
    db.exec(`UPDATE posts SET text = CAST(X'61ff80c0afeda080' AS TEXT) WHERE rowid % 13 = 0`)
    db.exec(`UPDATE posts SET reply_parent = CAST(X'f4908080' AS TEXT) WHERE rowid % 17 = 0`)
  })()
  db.close()
  return file
}

describe("StoredRecords", () => {
  for (const pageSize of [512, 4096, 65536]) {
    it(`reads every value as SQLite does, records past their page included (pages of ${pageSize} bytes)`, () => {
      const file = hostileValues(path.join(tempDir(), "values.db"), pageSize)
      expect(readBoth(file)).toBe(600)
    })
  }

  it("takes a column's default for records written before the column was added", () => {
    const file = path.join(tempDir(), "added.db")
    const db = new Database(file)
    db.exec(DDL.replace(/,\s*archived_at[^,)]*/, "").replace(/,\s*labels JSON/, ""))
    db.prepare(
      `INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES ('at://a/1', 'c', 'did:plc:a', 't', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`
    ).run()
    db.exec("ALTER TABLE posts ADD COLUMN labels JSON")
    db.exec("ALTER TABLE posts ADD COLUMN archived_at TIMESTAMP DEFAULT '2020-02-02 02:02:02'")
    db.prepare(
      `INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES ('at://a/2', 'c', 'did:plc:a', 't', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`
    ).run()
    db.close()
    expect(readBoth(file)).toBe(2)
  })

  it("leaves a record with a reserved serial type to SQLite", () => {
    const file = path.join(tempDir(), "reserved.db")
    const db = new Database(file)
    db.exec(DDL)
    db.prepare(
      `INSERT INTO posts (uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count,
         reply_count, quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at)
       VALUES ('at://marker', 'c', 'd', 't', 'x', 'y', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL)`
    ).run()
    db.close()
    // The record's header: its size, then each column's serial type (short text: 13 + 2n; 0: 8; NULL: 0).
    const text = (s: string) => 13 + 2 * s.length
    const header = Buffer.from([
      18,
      text("at://marker"),
      text("c"),
      text("d"),
      text("t"),
      text("x"),
      text("y"),
      8,
      8,
      8,
      8,
      8,
      8,
      0,
      0,
      0,
      0,
      0
    ])
    const bytes = fs.readFileSync(file)
    const at = bytes.indexOf(Buffer.concat([header, Buffer.from("at://marker")]))
    expect(at).toBeGreaterThan(0)
    bytes[at + 7] = 10 // has_media's serial type
    fs.writeFileSync(file, bytes)
    withStoredRecords(file, (records, reader) => {
      if (typeof records === "string") throw new Error(records)
      const batch = new RecordBatch(() => {
        throw new Error("not asked")
      })
      records.reset(batch)
      records.find(1)
      records.add(batch)
      expect(batch.kinds.subarray(0, FIELDS)).toEqual(new Uint8Array(FIELDS).fill(FieldKind.Other))
      expect(records.values(batch, 0)).toEqual(
        reader.prepare(`SELECT ${COLUMNS} FROM posts WHERE rowid = 1`).raw(true).get()
      )
    })
  })

  it("refuses an archive whose file may not hold every committed row, or holds them otherwise", () => {
    const refusal = (setup: (db: Database.Database) => void) => {
      const file = path.join(tempDir(), "refused.db")
      const db = new Database(file)
      setup(db)
      db.close()
      return withStoredRecords(file, (records) => records)
    }
    expect(refusal((db) => (db.pragma("journal_mode = WAL"), db.exec(DDL)))).toBe("journal mode wal")
    expect(refusal((db) => (db.pragma("encoding = 'UTF-16le'"), db.exec(DDL)))).toBe("its text encoding is not UTF-8")
    expect(refusal((db) => db.exec(DDL.replace(/\)\s*;?\s*$/m, ") WITHOUT ROWID;")))).toMatch(/not a rowid table/)
    expect(refusal((db) => db.exec(DDL.replace("labels JSON,", "labels JSON, shout TEXT AS (upper(text)),")))).toMatch(
      /generated/
    )
  })
})

describe("exports through stored records", () => {
  const combos = [
    [1, 250, 100],
    [2, 300, 64],
    [3, 97, 10]
  ] as const
  sameBytesOnThreads(combos, recordLines)
  hostileKeyChunks(combos, recordLines)
  sortedKeyChunks([[2, 50, 7]], recordLines)

  it("writes from the file in a rollback-journal archive, and through SQL in a WAL one", async () => {
    for (const wal of [false, true]) {
      const file = hostileValues(path.join(tempDir(), "mark.db"))
      if (wal) {
        const db = new Database(file)
        db.pragma("journal_mode = WAL")
        db.close()
      }
      const reference = completed((await run(file, { batchSize: 50 }, sequential)).exit)
      const marked = completed(
        (await run(file, { threads: 2, chunkPosts: 100, batchSize: 50, options: { mark: true } }, recordLines)).exit
      )
      const lines = marked.text.split("\n")
      const fromBytes = lines.filter((l) => l.startsWith("r ")).length
      expect(lines.map((l) => l.replace(/^r /, "")).join("\n")).toBe(reference.text)
      if (wal) expect(fromBytes).toBe(0)
      else expect(fromBytes).toBeGreaterThan(400)
    }
  }, 60_000)
})
