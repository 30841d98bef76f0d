/**
 * The thread matrices of ParallelEncoder's proofs: each export on several threads, in chunks and
 * batches of the given sizes, against the same export on one thread. ParallelEncoder.test.ts runs
 * a few sizes of each in the loop; ParallelEncoder.long.test.ts the rest.
 */
import Database from "better-sqlite3"
import { Cause, Exit } from "effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { expect, it } from "vitest"
import { DDL } from "../dist/ArchiveSchema.js"
import type * as Progress from "../dist/Progress.js"
import { archive, collect, posts, tempDir } from "./helpers.js"
import concurrentLines from "./concurrent-lines.mjs"

/** Threads, posts a chunk, posts a batch. */
export type Combo = readonly [threads: number, chunkPosts: number, batchSize: number]

const describeCombos = (combos: ReadonlyArray<Combo>) =>
  combos.map(([t, c, b]) => `${t} thread(s) in chunks of ${c}, batches of ${b}`).join("; ")

export const MODULE = new URL("./concurrent-lines.mjs", import.meta.url).href

/** The same plugin without `concurrent`: the export then encodes on the main thread, in order. */
export const sequential = { ...concurrentLines, concurrent: undefined }

export const completed = (exit: Exit.Exit<Array<Progress.ExportEvent>, unknown>) => {
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
  const last = exit.value.at(-1)
  if (last?._tag !== "Completed") throw new Error(`ended with ${last?._tag}`)
  return { events: exit.value, manifest: last.manifest, text: readFileSync(path.join(last.path, "posts.txt"), "utf8") }
}

export const run = (
  file: string,
  request: Record<string, unknown>,
  plugin: typeof concurrentLines = concurrentLines,
  open: { readonly readOnly?: boolean } = {}
) => {
  const out = path.join(tempDir(), "out")
  return collect(file, { format: plugin.name, out, ...request }, plugin, open).then((exit) => ({ exit, out }))
}

/**
 * An archive whose export order a search from the previous chunk's last row
 * gets wrong unless it compares exactly as SQLite orders: created_at ties,
 * uri ties broken by rowid, every storage class, BLOB uris, text that is not
 * UTF-8, NULL uris, NULL created_at (last in the order; the table here
 * allows it), and rowids past 2^53. Each post's text is its number.
 */
export const hostileKeys = (): string => {
  const file = path.join(tempDir(), "keys.db")
  const db = new Database(file)
  db.exec(DDL.replace("created_at TIMESTAMP NOT NULL", "created_at TIMESTAMP"))
  const add = db.prepare(
    `INSERT INTO posts (rowid, uri, cid, did, text, created_at, indexed_at)
     VALUES (@rowid, @uri, 'bafy', 'did:plc:test', @text, @created_at, '2024-01-01T00:00:00Z')`
  )
  const createdAt = (i: number): unknown => {
    switch (i % 9) {
      case 0:
      case 1:
        return "2024-05-01T00:00:00Z" // one long tie
      case 2:
        return 1_700_000_000 + (i % 4)
      case 3:
        return 1_700_000_000.5
      case 4:
        return Buffer.from([0x32, 0x30, i % 3])
      case 5:
        return i % 2 === 0 ? null : "2023-01-01T00:00:00Z"
      default:
        return `2024-0${1 + (i % 5)}-0${1 + (i % 7)}T00:00:00Z`
    }
  }
  const uri = (i: number): unknown => {
    switch (i % 7) {
      case 0:
        return null
      case 1:
        return Buffer.from([0x61, 0xff, i & 0xff, i >> 8])
      default:
        return `at://did:plc:test/app.bsky.feed.post/${String(i % 97).padStart(3, "0")}-${i}`
    }
  }
  db.transaction(() => {
    for (let i = 0; i < 400; i++) {
      const created = createdAt(i)
      // Text columns that are not UTF-8 are made in SQL (a JS string always is).
      const rowid = i % 11 === 0 ? 2n ** 53n + BigInt(i) : BigInt(i + 1)
      add.run({ rowid, uri: uri(i), text: `post ${i}`, created_at: created })
    }
    db.exec(`UPDATE posts SET created_at = CAST(X'32303234ff' AS TEXT) WHERE rowid % 13 = 0`)
    db.exec(`UPDATE posts SET uri = CAST(X'61ff' || hex(rowid) AS TEXT) WHERE rowid % 17 = 0`)
  })()
  db.close()
  return file
}

/** 2,345 posts on each combo: the same bytes, events and batches as on the main thread. */
export const sameBytesOnThreads = (combos: ReadonlyArray<Combo>, plugin = concurrentLines) => {
  it(`writes the same bytes and events on ${describeCombos(combos)}, as on the main thread`, async () => {
    const file = archive(posts(2_345))
    const reference = completed((await run(file, { batchSize: 100 }, sequential)).exit)
    expect(reference.text.split("\n")[0]).toBe("total 2345")
    for (const [threads, chunkPosts, batchSize] of combos) {
      const result = completed((await run(file, { threads, chunkPosts, batchSize }, plugin)).exit)
      expect(result.text, `${threads} threads, chunks of ${chunkPosts}`).toBe(reference.text)
      expect(result.manifest.files[0]!.sha256).toBe(reference.manifest.files[0]!.sha256)
      const batches = result.events.filter((e) => e._tag === "BatchWritten")
      expect(batches.reduce((n, e) => n + (e._tag === "BatchWritten" ? e.posts : 0), 0)).toBe(2_345)
      // Progress only grows, and batches are numbered as they are written.
      const processed = batches.map((e) => e.snapshot.posts_processed)
      expect(processed).toEqual([...processed].sort((a, b) => a - b))
      expect(batches.map((e) => (e._tag === "BatchWritten" ? e.batch : 0))).toEqual(batches.map((_, i) => i + 1))
    }
  }, 120_000)
}

/** The hostile keys on each combo: the same posts in the same order as one cursor. */
export const hostileKeyChunks = (combos: ReadonlyArray<Combo>, plugin = concurrentLines) => {
  it(`hold the same posts in the same order as one cursor, whatever the keys, on ${describeCombos(combos)}`, async () => {
    const file = hostileKeys()
    const reference = completed((await run(file, { batchSize: 7 }, sequential)).exit)
    expect(reference.text.split("\n")[0]).toBe("total 400")
    for (const [threads, chunkPosts, batchSize] of combos) {
      const result = completed((await run(file, { threads, chunkPosts, batchSize }, plugin)).exit)
      expect(result.text, `${threads} threads, chunks of ${chunkPosts}, batches of ${batchSize}`).toBe(reference.text)
    }
  }, 120_000)
}

/** The hostile keys without the export-order index, every thread sorting the keys for itself. */
export const sortedKeyChunks = (combos: ReadonlyArray<Combo>, plugin = concurrentLines) => {
  it(`hold them too, read from sorted keys, when the archive has no export-order index, on ${describeCombos(combos)}`, async () => {
    const file = hostileKeys()
    const indexes = () => {
      const check = new Database(file, { readonly: true })
      const names = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all()
      check.close()
      return names
    }
    for (const dates of [{}, { since: "2024-02-01", until: "2024-05-01" }]) {
      // One reader, its posts encoded on this thread.
      const reference = completed((await run(file, { batchSize: 7, ...dates }, sequential, { readOnly: true })).exit)
      expect(reference.text).toMatch(/^total [1-9]\d+\n/)
      for (const [threads, chunkPosts, batchSize] of combos) {
        const request = { batchSize, threads, chunkPosts, options: { thread: true }, ...dates }
        const tagged = completed((await run(file, request, plugin, { readOnly: true })).exit)
        const encoders = new Set<string>()
        const lines = tagged.text.split("\n").map((line) => {
          const match = /^(\d+) (\d+ .*)$/.exec(line)
          if (match === null) return line
          encoders.add(match[1]!)
          return match[2]
        })
        const label = `${threads} threads, chunks of ${chunkPosts}, ${JSON.stringify(dates)}`
        expect(lines.join("\n"), label).toBe(reference.text)
        // Every thread sorted the keys for itself and took chunks.
        expect(encoders.size, label).toBe(threads)
      }
      expect(indexes()).not.toContain("idx_posts_skyporter_export_order")
      // The same posts through the export-order index, once an export may add it.
      const indexed = completed((await run(file, { batchSize: 7, threads: 2, ...dates }, plugin)).exit)
      expect(indexes()).toContain("idx_posts_skyporter_export_order")
      expect(indexed.text, JSON.stringify(dates)).toBe(reference.text)
      const writer = new Database(file)
      writer.exec("DROP INDEX idx_posts_skyporter_export_order")
      writer.close()
    }
  }, 120_000)
}
