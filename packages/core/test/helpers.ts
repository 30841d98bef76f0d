/** Test archives written by code: real SQLite files in a fresh temp folder. */
import Database from "better-sqlite3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterEach } from "vitest"
import { DDL } from "../dist/ArchiveSchema.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A temp folder removed after the test. */
export const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "skyporter-core-"))
  dirs.push(d)
  return d
}

export interface Row {
  uri: string
  did: string
  created_at: string
  text?: string | null
  indexed_at?: string
  embed_data?: string | Buffer | null
  labels?: string | null
  like_count?: number | bigint | string | null
  archived_at?: string | null
}

/** Creates an archive with bskyarchive's schema and the given rows. */
export const archive = (rows: ReadonlyArray<Row>, file = path.join(tempDir(), "archive.db")): string => {
  const db = new Database(file)
  db.exec(DDL)
  insert(db, rows)
  db.close()
  return file
}

export const insert = (db: Database.Database, rows: ReadonlyArray<Row>): void => {
  const stmt = db.prepare(
    `INSERT INTO posts (uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count,
       reply_count, quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at)
     VALUES (@uri, 'bafyreicid', @did, @text, @created_at, @indexed_at, 0, @like_count, 0, 0, 0, 0, '', '',
       @embed_data, @labels, @archived_at)`
  )
  db.transaction(() => {
    for (const r of rows) {
      stmt.run({
        text: "text",
        indexed_at: r.created_at,
        embed_data: null,
        labels: null,
        like_count: 0,
        archived_at: "2025-01-01T00:00:00Z",
        ...r
      })
    }
  })()
}

const pad = (n: number, w: number) => String(n).padStart(w, "0")

/** `n` posts of `did`, one per minute going back from 2024-06-01, uris unique. */
export const posts = (n: number, did = "did:plc:test"): Array<Row> =>
  Array.from({ length: n }, (_, i) => {
    const t = new Date(Date.UTC(2024, 5, 1) - i * 60_000).toISOString()
    return { uri: `at://${did}/app.bsky.feed.post/${pad(i, 8)}`, did, created_at: t, text: `post ${i}` }
  })
