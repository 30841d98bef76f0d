/** Test archives written by code (real SQLite files in a fresh temp folder), and a plugin to export them with. */
import Database from "better-sqlite3"
import { Effect, Layer, Schema, Stream } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { expect } from "vitest"
import { tempDir as makeTempDir } from "../../../testing/tempDir.mts"
import * as Archive from "../dist/Archive.js"
import { DDL } from "../dist/ArchiveSchema.js"
import * as Export from "../dist/Export.js"
import * as FormatPlugin from "../dist/FormatPlugin.js"
import * as FormatRegistry from "../dist/FormatRegistry.js"
import * as OpenFiles from "../dist/internal/OpenFiles.js"
import { StoredRecords } from "../dist/internal/StoredRecords.js"
import type * as Progress from "../dist/Progress.js"

/** A temp folder removed after the test (after the file, when made outside a test). */
export const tempDir = (): string => makeTempDir("skyporter-core-")

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

/** A `media` row of bskyarchive's schema (size and dimensions are not read by the export). */
export interface MediaRow {
  hash: string
  post_uri: string
  file_path: string
  mime_type?: string
}

/** Adds `media` rows to an archive, in order (their rowids follow it). */
export const insertMedia = (file: string, rows: ReadonlyArray<MediaRow>): void => {
  const db = new Database(file)
  const stmt = db.prepare(
    `INSERT INTO media (hash, post_uri, mime_type, file_path, size_bytes)
     VALUES (@hash, @post_uri, @mime_type, @file_path, 0)`
  )
  db.transaction(() => {
    for (const r of rows) stmt.run({ mime_type: "image/jpeg", ...r })
  })()
  db.close()
}

/** The repository's independent ZIP reader (python's zipfile; every entry read whole, its CRC-32 checked). */
const ZIP_ENTRIES_SCRIPT = fileURLToPath(new URL("../../../scripts/zip-entries.py", import.meta.url))

/** Checks an archive with Info-ZIP's `unzip -t`, then lists it with python's zipfile. */
export const readZip = (file: string): Array<{ name: string; size: number; method: number; sha256: string }> => {
  const test = spawnSync("unzip", ["-t", file], { encoding: "utf8" })
  expect(test.status, `${test.stdout}\n${test.stderr}`).toBe(0)
  expect(test.stdout).toContain("No errors detected")
  return JSON.parse(execFileSync("python3", [ZIP_ENTRIES_SCRIPT, file], { encoding: "utf8" }))
}

/** A minimal real format plugin: one uri per line, with hooks to fail or stall on a batch. */
export const lines = (hooks: { failAt?: number; delayMillis?: number } = {}) =>
  FormatPlugin.define({
    name: "lines",
    version: "1.0.0",
    extension: "txt",
    mediaType: "text/plain",
    description: "one uri per line",
    apiVersion: FormatPlugin.API_VERSION,
    options: Schema.Struct({ prefix: Schema.optional(Schema.String) }),
    make: (options) =>
      Effect.sync(() => {
        let n = 0
        return {
          start: Effect.succeed("begin\n"),
          write: (batch) =>
            Effect.gen(function* () {
              n++
              if (hooks.delayMillis) yield* Effect.sleep(hooks.delayMillis)
              if (n === hooks.failAt) {
                return yield* new FormatPlugin.FormatError({ plugin: "lines", message: "injected failure" })
              }
              return batch.map((p) => `${options.prefix ?? ""}${p.uri}\n`).join("")
            }),
          end: Effect.succeed("end\n")
        }
      })
  })

/** The archive at `file` with `plugin` registered. */
export const layer = (file: string, plugin = lines(), open: Partial<Archive.OpenOptions> = {}) =>
  Layer.mergeAll(
    Archive.Archive.layer({ path: file, ...open }),
    FormatRegistry.FormatRegistry.layer([{ plugin, origin: "test" }])
  )

/** Runs an export of `did:plc:test` to its end; the exit holds every event. */
export const collect = (
  file: string,
  request: Partial<Export.ExportRequest> & { out: string },
  plugin = lines(),
  open: Partial<Archive.OpenOptions> = {}
) =>
  Effect.runPromise(
    Effect.exit(
      Effect.gen(function* () {
        const events: Array<Progress.ExportEvent> = []
        yield* Stream.runForEach(Export.run({ did: "did:plc:test", format: "lines", ...request }), (e) =>
          Effect.sync(() => events.push(e))
        )
        return events
      }).pipe(Effect.provide(layer(file, plugin, open)))
    )
  )

/**
 * Node numbers the Worker threads of a process in turn, so the ids of two
 * probe threads, one started before and one after an export, bracket the
 * threads that export started (a test file's tests run one at a time).
 */
export const probeThreadId = async (): Promise<number> => {
  const worker = new Worker("", { eval: true })
  const id = worker.threadId
  await worker.terminate()
  return id
}

/**
 * `use` given `file`'s stored records (or why they cannot be read) and its connection, inside a
 * read transaction, as a reader thread opens them; the descriptor and connection closed after.
 */
export const withStoredRecords = <A>(
  file: string,
  use: (records: StoredRecords | string, db: Database.Database) => A
): A => {
  const db = new Database(file, { readonly: true })
  db.exec("BEGIN")
  const fd = OpenFiles.acquire(file)
  try {
    return use(StoredRecords.open(db, fd), db)
  } finally {
    OpenFiles.release(fd)
    db.close()
  }
}
