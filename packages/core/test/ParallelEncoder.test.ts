import Database from "better-sqlite3"
import { Cause, Effect, Exit, Stream } from "effect"
import { existsSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import { DDL, EXPORT_INDEX } from "../dist/ArchiveSchema.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import type { ExportFailed } from "../dist/Errors.js"
import * as Export from "../dist/Export.js"
import * as ParallelEncoder from "../dist/internal/ParallelEncoder.js"
import type * as Progress from "../dist/Progress.js"
import { archive, collect, insert, layer, posts, tempDir } from "./helpers.js"
import concurrentLines from "./concurrent-lines.mjs"

const MODULE = new URL("./concurrent-lines.mjs", import.meta.url).href

/** The same plugin without `concurrent`: the export then encodes on the main thread, in order. */
const sequential = { ...concurrentLines, concurrent: undefined }

const completed = (exit: Exit.Exit<Array<Progress.ExportEvent>, unknown>) => {
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
  const last = exit.value.at(-1)
  if (last?._tag !== "Completed") throw new Error(`ended with ${last?._tag}`)
  return { events: exit.value, manifest: last.manifest, text: readFileSync(path.join(last.path, "posts.txt"), "utf8") }
}

const run = (
  file: string,
  request: Record<string, unknown>,
  plugin: typeof concurrentLines = concurrentLines,
  open: { readonly readOnly?: boolean } = {}
) => {
  const out = path.join(tempDir(), "out")
  return collect(file, { format: "clines", out, ...request }, plugin, open).then((exit) => ({ exit, out }))
}

describe("ParallelEncoder.plan", () => {
  it.each([
    [0, 2, 10],
    [1, 2, 10],
    [5, 3, 1],
    [1_000_000, 2, 250_000],
    [1_000_001, 3, 100_000],
    [2_001, 4, 300]
  ])("splits %i posts for %i threads into consecutive chunks of about %i", (total, threads, size) => {
    const chunks = ParallelEncoder.plan(total, threads, size)
    let next = 0
    for (const [i, c] of chunks.entries()) {
      expect(c.index).toBe(i)
      expect(c.offset).toBe(next)
      next += c.limit
    }
    expect(next).toBe(total)
    expect(chunks.length).toBeLessThanOrEqual(Math.max(1, total))
    if (total > 0) {
      expect(Math.max(...chunks.map((c) => c.limit)) - Math.min(...chunks.map((c) => c.limit))).toBeLessThanOrEqual(1)
    }
  })
})

describe("Export of a concurrent format", () => {
  it("writes the same bytes and events on 1–4 threads, in any chunking, as on the main thread", async () => {
    const file = archive(posts(2_345))
    const reference = completed((await run(file, { batchSize: 100 }, sequential)).exit)
    expect(reference.text.split("\n")[0]).toBe("total 2345")
    for (const [threads, chunkPosts, batchSize] of [
      [1, 500, 100],
      [2, 500, 100],
      [3, 64, 100],
      [4, 7, 3],
      [2, 1, 1]
    ]) {
      const result = completed((await run(file, { threads, chunkPosts, batchSize })).exit)
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

  it("keeps a date range and the first warnings in export order", async () => {
    const rows = posts(600).map((r, i) => (i % 50 === 7 ? { ...r, like_count: null } : r))
    const file = archive(rows)
    const range = { since: "2024-05-31", until: "2024-05-31" }
    const one = completed((await run(file, { ...range, batchSize: 10 }, sequential)).exit)
    const many = completed((await run(file, { ...range, batchSize: 10, threads: 3, chunkPosts: 40 })).exit)
    expect(many.text).toBe(one.text)
    expect(many.manifest.warnings).toEqual(one.manifest.warnings)
    expect(many.manifest.warnings.count).toBeGreaterThan(0)
  }, 60_000)

  // Node numbers the Worker threads of a process in turn, so the ids of two
  // probe threads, one started before and one after an export, bracket the
  // threads that export started (vitest runs each test file in a process of
  // its own, and this file's tests one at a time).
  const probeThreadId = async (): Promise<number> => {
    const worker = new Worker("", { eval: true })
    const id = worker.threadId
    await worker.terminate()
    return id
  }

  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 3]
  ])(
    "an export on %i thread(s) starts %i reader thread(s): from two on, this thread encodes a share",
    async (threads, readers) => {
      const file = archive(posts(4_000))
      const reference = completed((await run(file, { batchSize: 100 }, sequential)).exit)
      const before = await probeThreadId()
      const result = completed(
        (await run(file, { threads, chunkPosts: 500, batchSize: 100, options: { thread: true } })).exit
      )
      const after = await probeThreadId()
      expect(after - before - 1).toBe(readers)
      // Every line names the thread that encoded it (0: this one).
      const encoders = new Set<number>()
      const lines = result.text.split("\n").map((line) => {
        const match = /^(\d+) (\d+ .*)$/.exec(line)
        if (match === null) return line
        encoders.add(Number(match[1]))
        return match[2]
      })
      expect(lines.join("\n")).toBe(reference.text)
      const readerIds = [...encoders].filter((id) => id !== 0)
      expect(encoders.has(0)).toBe(threads > 1)
      expect(readerIds.length).toBe(readers)
      for (const id of readerIds) expect(id > before && id < after).toBe(true)
    },
    60_000
  )

  it("exports nothing as the format's empty form", async () => {
    const file = archive(posts(3, "did:plc:other"))
    const result = completed((await run(file, { threads: 2 })).exit)
    expect(result.text).toBe("total 0\nend\n")
    expect(result.manifest.post_count).toBe(0)
  })

  it.each([
    ["failAt", "refused", "encode"],
    ["crashAt", "plugin crashed: boom", "encode"]
  ])(
    "fails with the plugin's message and batch when a thread's sink fails (%s), publishing nothing",
    async (option, message, stage) => {
      const file = archive(posts(3_000))
      const victim = posts(3_000)[2_345]!.uri
      const { exit, out } = await run(file, {
        threads: 2,
        chunkPosts: 500,
        batchSize: 100,
        options: { [option]: victim }
      })
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as ExportFailed) : undefined
      expect(error?._tag).toBe("ExportFailed")
      expect(error?.stage).toBe(stage)
      expect(error?.batch).toBe(24)
      expect(error?.message).toContain(`format "clines" failed on batch 24`)
      expect(error?.message).toContain(message)
      // Nothing left: not even the DID folder the export made.
      expect(existsSync(path.join(out, "did:plc:test"))).toBe(false)
    },
    60_000
  )

  it("removes the temporary folder when interrupted mid-export", async () => {
    const file = archive(posts(5_000))
    const out = path.join(tempDir(), "out")
    let seen = 0
    const exit = await Effect.runPromiseExit(
      Stream.runForEach(
        Export.run({ did: "did:plc:test", format: "clines", out, threads: 2, chunkPosts: 100, batchSize: 10 }),
        (event) => (event._tag === "BatchWritten" && ++seen === 30 ? Effect.interrupt : Effect.void)
      ).pipe(Effect.provide(layer(file, concurrentLines)))
    )
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true)
    expect(seen).toBe(30)
    // Nothing left: not even the DID folder the export made.
    expect(existsSync(path.join(out, "did:plc:test"))).toBe(false)
  }, 60_000)

  it("uses one thread when a writer commits while the threads take their snapshots", async () => {
    const file = archive(posts(4_000))
    const range = await Effect.runPromise(DateRange.make({}))
    const db = new Database(file, { readonly: true })
    const count = (version: () => unknown) =>
      Effect.runPromise(
        Effect.scoped(
          Effect.map(
            ParallelEncoder.open(
              file,
              { did: "did:plc:test", range },
              { module: MODULE, name: "clines", options: {} },
              { threads: 2, batchSize: 100, version }
            ),
            (encoder) => encoder.threads
          )
        )
      )
    const version = () => db.pragma("data_version", { simple: true })
    expect(await count(version)).toBe(2)
    // A real commit from another connection right after the first reading.
    const writer = new Database(file)
    let readings = 0
    expect(
      await count(() => {
        const v = version()
        if (readings++ === 0) insert(writer, posts(1, "did:plc:other"))
        return v
      })
    ).toBe(1)
    writer.close()
    db.close()
  }, 60_000)
})

/**
 * An archive whose export order a search from the previous chunk's last row
 * gets wrong unless it compares exactly as SQLite orders: created_at ties,
 * uri ties broken by rowid, every storage class, BLOB uris, text that is not
 * UTF-8, NULL uris, NULL created_at (last in the order; the table here
 * allows it), and rowids past 2^53. Each post's text is its number.
 */
const hostileKeys = (): string => {
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

describe("Chunks found from the previous chunk's last row", () => {
  it("hold the same posts in the same order as one cursor, whatever the keys", async () => {
    const file = hostileKeys()
    const reference = completed((await run(file, { batchSize: 7 }, sequential)).exit)
    expect(reference.text.split("\n")[0]).toBe("total 400")
    for (const [threads, chunkPosts, batchSize] of [
      [2, 1, 1],
      [2, 3, 2],
      [3, 7, 5],
      [4, 10, 10],
      [2, 50, 20]
    ]) {
      const result = completed((await run(file, { threads, chunkPosts, batchSize })).exit)
      expect(result.text, `${threads} threads, chunks of ${chunkPosts}, batches of ${batchSize}`).toBe(reference.text)
    }
  }, 120_000)

  it("hold them too, read from sorted keys, when the archive has no export-order index", async () => {
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
      for (const [threads, chunkPosts, batchSize] of [
        [2, 5, 7],
        [2, 1, 1],
        [3, 7, 5],
        [4, 10, 10]
      ] as const) {
        const request = { batchSize, threads, chunkPosts, options: { thread: true }, ...dates }
        const tagged = completed((await run(file, request, concurrentLines, { readOnly: true })).exit)
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
      const indexed = completed((await run(file, { batchSize: 7, threads: 2, ...dates })).exit)
      expect(indexes()).toContain("idx_posts_skyporter_export_order")
      expect(indexed.text, JSON.stringify(dates)).toBe(reference.text)
      const writer = new Database(file)
      writer.exec("DROP INDEX idx_posts_skyporter_export_order")
      writer.close()
    }
  }, 120_000)

  it.each([
    ["every date", {}],
    ["a date range", { since: "2024-05-01", until: "2024-05-31" }]
  ])("start from a search of the export-order index (%s), not from its first entry", async (_, dates) => {
    const file = archive(posts(10))
    const db = new Database(file)
    db.exec(EXPORT_INDEX)
    const range = await Effect.runPromise(DateRange.make(dates))
    const init = BatchSource.workerInit(file, { did: "did:plc:test", range })
    db.function(init.instantFunction, (text: unknown) => text)
    const plan = (sql: string) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...init.params, anchor: 3, limit: 2, offset: 1 }) as Array<{
          detail: string
        }>
      )[0]!.detail
    const after = plan(init.afterSql)
    // Skipping other threads' chunks reads the index alone, no table row.
    const skip = plan(init.skipSql)
    db.close()
    expect(after).toMatch(
      /^SEARCH posts USING (COVERING )?INDEX idx_posts_skyporter_export_order \(did=\? AND created_at[<>]\?/
    )
    expect(skip).toMatch(
      /^SEARCH posts USING COVERING INDEX idx_posts_skyporter_export_order \(did=\? AND created_at[<>]\?/
    )
  })
})
