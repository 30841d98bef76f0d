import Database from "better-sqlite3"
import { Cause, Effect, Exit, Stream } from "effect"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { EXPORT_INDEX } from "../dist/ArchiveSchema.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import type { ExportFailed } from "../dist/Errors.js"
import * as Export from "../dist/Export.js"
import * as ParallelEncoder from "../dist/internal/ParallelEncoder.js"
import * as Prewarm from "../dist/internal/Prewarm.js"
import * as ThreadPool from "../dist/internal/ThreadPool.js"
import { archive, insert, layer, posts, probeThreadId, tempDir } from "./helpers.js"
import concurrentLines from "./concurrent-lines.mjs"
import {
  completed,
  hostileKeyChunks,
  MODULE,
  run,
  sameBytesOnThreads,
  sequential,
  sortedKeyChunks
} from "./parallel-matrix.js"

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
  // The other sizes: ParallelEncoder.long.test.ts.
  sameBytesOnThreads([
    [3, 64, 100],
    [2, 1, 1]
  ])

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
      Prewarm.stopWaiting()
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

  it.each([
    [1, 100, 0],
    [2, 100, 0],
    [4, 0, 0],
    [4, 250, 2],
    [4, 1_000, 3]
  ])(
    "with no reader prewarmed, an export on %i thread(s) of %i posts in batches of 100 starts %i reader(s): only those with a batch to encode",
    async (threads, count, readers) => {
      const file = archive(posts(count))
      const reference = completed((await run(file, { batchSize: 100 }, sequential)).exit)
      Prewarm.stopWaiting()
      const before = await probeThreadId()
      const result = completed((await run(file, { threads, batchSize: 100 })).exit)
      const after = await probeThreadId()
      expect(after - before - 1).toBe(readers)
      expect(result.text).toBe(reference.text)
      expect(result.manifest.post_count).toBe(count)
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
      Prewarm.stopWaiting()
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
      expect(Prewarm.waiting(), "the failed export's reader was stopped, not kept").toBe(0)
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
    const count = (version: () => unknown, onStart: () => void = () => {}) => {
      // No reader waits: this thread takes its snapshot first, then starts the reader.
      Prewarm.stopWaiting()
      return Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            // The real pool, with something done as each reader is started.
            const pool = yield* ThreadPool.make
            const start: typeof pool.start = (init, deliver) => {
              onStart()
              return pool.start(init, deliver)
            }
            const encoder = yield* ParallelEncoder.open(
              file,
              { did: "did:plc:test", range },
              { module: MODULE, name: "clines", options: {} },
              { threads: 2, batchSize: 100, version }
            ).pipe(Effect.provideService(ThreadPool.ThreadPool, { ...pool, start }))
            return encoder.threads
          })
        )
      )
    }
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
    // Or after this thread took its snapshot, before the reader started after it (none prewarmed):
    // in WAL mode, where a writer commits beside a reader.
    writer.pragma("journal_mode = WAL")
    let started = 0
    const commit = () =>
      insert(writer, [{ ...posts(1, "did:plc:other")[0]!, uri: `at://did:plc:other/late/${started++}` }])
    expect(await count(version, commit)).toBe(1)
    expect(started).toBe(1)
    writer.close()
    db.close()
  }, 60_000)
})

describe("Encoded bytes", () => {
  it("reach the writer in shared carriers, which are not emptied when they go back to their thread", async () => {
    const file = archive(posts(900))
    const range = Effect.runSync(DateRange.make({}))
    const { threads, seen, text } = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const encoding = yield* ParallelEncoder.open(
            file,
            { did: "did:plc:test", range },
            { module: MODULE, name: concurrentLines.name, options: {} },
            { threads: 2, batchSize: 100, version: () => 0 }
          )
          const views: Array<{ readonly bytes: Uint8Array; readonly length: number }> = []
          let out = ""
          yield* Stream.runForEach(encoding.encode(), (c) =>
            Effect.sync(() => {
              if (c.posts > 0) views.push({ bytes: c.bytes, length: c.bytes.byteLength })
              out += Buffer.from(c.bytes)
            })
          )
          return { threads: encoding.threads, seen: views, text: out }
        })
      )
    )
    expect(threads).toBe(2)
    expect(text.split("\n").filter((line) => line !== "")).toHaveLength(900)
    // A carrier moved back instead would be detached, its view emptied; detaching makes V8
    // drop the code it optimized on typed arrays, in the thread that detaches.
    for (const { bytes, length } of seen) {
      expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer)
      expect(bytes.byteLength).toBe(length)
    }
  })
})

describe("Chunks found from the previous chunk's last row", () => {
  // The other sizes: ParallelEncoder.long.test.ts.
  hostileKeyChunks([
    [2, 1, 1],
    [4, 10, 10]
  ])

  sortedKeyChunks([
    [2, 1, 1],
    [3, 7, 5]
  ])

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
