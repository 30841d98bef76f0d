import Database from "better-sqlite3"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as Archive from "../dist/Archive.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import type * as Post from "../dist/Post.js"
import { archive, insert, posts, type Row } from "./helpers.js"

const read = (
  file: string,
  did: string,
  options: BatchSource.SnapshotOptions & {
    since?: string
    until?: string
    between?: (batch: number) => void
    each?: (post: Post.Post) => void
  } = {}
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const a = yield* Archive.open({ path: file })
        const range = yield* DateRange.make({ since: options.since, until: options.until })
        const source = yield* BatchSource.open(a.path, { did, range }, options)
        const batches: Array<Array<string>> = []
        yield* Stream.runForEach(source.batches, (batch) =>
          Effect.sync(() => {
            batches.push(batch.map((p) => p.uri))
            if (options.each) batch.forEach(options.each)
            options.between?.(batches.length)
          })
        )
        return { total: source.total, batches, uris: batches.flat(), warnings: source.warnings, indexed: a.indexed }
      })
    )
  )

describe("BatchSource", () => {
  it.each([0, 1, 999, 1000, 1001, 2000, 2001])("reads %i posts in batches of exactly 1,000", async (n) => {
    const file = archive(posts(n))
    const { total, batches, uris } = await read(file, "did:plc:test")
    expect(total).toBe(n)
    expect(uris).toHaveLength(n)
    expect(new Set(uris).size).toBe(n)
    expect(batches.map((b) => b.length)).toEqual(
      Array.from({ length: Math.ceil(n / 1000) }, (_, i) => Math.min(1000, n - i * 1000))
    )
  })

  it("orders by created_at text descending, then uri bytes ascending", async () => {
    const tie = "2024-04-20T12:00:00.000Z"
    const keys = ["3ktie~~", "3ktieaa", "3ktie..", "3ktieAA", "3ktie__", "3ktie--", "3ktie00", "3ktiezz"]
    const rows: Array<Row> = [
      ...keys.map((k) => ({ uri: `at://did:plc:t/app.bsky.feed.post/${k}`, did: "did:plc:t", created_at: tie })),
      { uri: "at://did:plc:t/app.bsky.feed.post/a", did: "did:plc:t", created_at: "2024-05-05T12:00:00.000Z" },
      { uri: "at://did:plc:t/app.bsky.feed.post/b", did: "did:plc:t", created_at: "2024-05-05T12:00:00Z" },
      { uri: "at://did:plc:t/app.bsky.feed.post/c", did: "did:plc:t", created_at: "2024-05-05T12:00:00.5Z" }
    ]
    const { uris } = await read(archive(rows), "did:plc:t", { batchSize: 3 })
    expect(uris.map((u) => u.split("/").pop())).toEqual([
      "b", // "…00Z" > "…00.5Z" > "…00.000Z": byte order of the stored text
      "c",
      "a",
      "3ktie--",
      "3ktie..",
      "3ktie00",
      "3ktieAA",
      "3ktie__",
      "3ktieaa",
      "3ktiezz",
      "3ktie~~"
    ])
  })

  it("matches the DID exactly and case-sensitively", async () => {
    const file = archive([...posts(3, "did:plc:alice"), ...posts(2, "did:plc:alice2"), ...posts(2, "did:plc:ALICE")])
    const { uris } = await read(file, "did:plc:alice")
    expect(uris).toHaveLength(3)
    expect(uris.every((u) => u.startsWith("at://did:plc:alice/"))).toBe(true)
  })

  it("keeps inclusive date edges whatever the spelling", async () => {
    const edge = (k: string, created_at: string): Row => ({
      uri: `at://did:plc:t/app.bsky.feed.post/${k}`,
      did: "did:plc:t",
      created_at
    })
    const file = archive([
      edge("out1", "2024-02-29T23:59:59.999Z"),
      edge("in1", "2024-03-01T00:00:00.000Z"),
      edge("in2", "2024-03-01 00:00:00"),
      edge("in3", "2024-03-01T05:30:00+05:30"),
      edge("out2", "2024-03-01T05:29:59.999+05:30"),
      edge("in4", "2024-06-30T23:59:59.999999999Z"),
      edge("in5", "2024-06-30 23:59:59.999 +0000 UTC m=+3.2"),
      edge("in6", "2024-06-30T20:00:00-03:59"),
      edge("out3", "2024-07-01T00:00:00Z"),
      edge("out4", "2024-06-30T20:00:00-04:00"),
      edge("out5", "not a date")
    ])
    const { uris, total } = await read(file, "did:plc:t", { since: "2024-03-01", until: "2024-06-30" })
    expect(uris.map((u) => u.split("/").pop()).sort()).toEqual(["in1", "in2", "in3", "in4", "in5", "in6"])
    expect(total).toBe(6)
  })

  it.each([
    ["through the export-order index", { indexed: true }],
    ["from sorted keys", { indexed: false }],
    ["read on this thread", { onThisThread: true }]
  ])("reads one snapshot while another connection inserts, updates and deletes (%s)", async (_, how) => {
    const file = archive(posts(5000))
    const setup = new Database(file)
    setup.pragma("journal_mode = WAL")
    setup.close()
    const writer = new Database(file)
    const before = await read(file, "did:plc:test")
    let n = 0
    const during = await read(file, "did:plc:test", {
      ...how,
      between: () => {
        n++
        insert(
          writer,
          posts(3, "did:plc:test").map((r, i) => ({ ...r, uri: `${r.uri}-new-${n}-${i}` }))
        )
        writer
          .prepare("DELETE FROM posts WHERE uri IN (SELECT uri FROM posts WHERE did = 'did:plc:test' LIMIT 7)")
          .run()
        writer.prepare("UPDATE posts SET created_at = '2030-01-01T00:00:00Z' WHERE rowid % 97 = 0").run()
      }
    })
    writer.close()
    expect(n).toBe(5)
    expect(during.total).toBe(5000)
    expect(during.uris).toEqual(before.uris)
    const after = await read(file, "did:plc:test")
    expect(after.total).toBe(5000 + 15 - 35)
  })

  it.each([
    ["through the export-order index", true],
    ["from sorted keys", false]
  ])("shrinks batches to the memory budget without changing the order (%s)", async (_, indexed) => {
    const file = archive(posts(50).map((r) => ({ ...r, text: "x".repeat(100_000) })))
    const { batches, uris } = await read(file, "did:plc:test", { budgetBytes: 1_000_000, indexed })
    const whole = await read(file, "did:plc:test")
    expect(uris).toEqual(whole.uris)
    expect(batches.length).toBeGreaterThan(1)
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(5)
  })

  it("never lets a batch pass the budget; a post larger than the budget goes alone", async () => {
    const budget = 1_000_000
    // Text sizes (UTF-16 units) from 1 to 600,000: the budget fits one to hundreds of posts per batch.
    const sizes = Array.from({ length: 80 }, (_, i) => [1, 90_000, 249_000, 600_000, 30][i % 5]! + i)
    const file = archive(posts(sizes.length).map((r, i) => ({ ...r, text: "é".repeat(sizes[i]!) })))
    const batches = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const a = yield* Archive.open({ path: file })
          const range = yield* DateRange.make({})
          const source = yield* BatchSource.open(a.path, { did: "did:plc:test", range }, { budgetBytes: budget })
          const out: Array<Array<number>> = []
          yield* Stream.runForEach(source.batches, (batch) =>
            Effect.sync(() => out.push(batch.map((p) => p.text.length)))
          )
          return out
        })
      )
    )
    expect(batches.flat()).toEqual(sizes) // export order is insertion order here
    for (const [i, batch] of batches.entries()) {
      // The other columns of a row add well under 1 KB.
      const bytes = batch.reduce((sum, n) => sum + 2 * n + 1_000, 0)
      if (batch.length > 1) expect(bytes, `batch ${i + 1}`).toBeLessThanOrEqual(budget)
      // Ended early only because the next post would not fit.
      const next = batches[i + 1]?.[0]
      if (next !== undefined && batch.length < 1000) {
        expect(2 * (batch.reduce((a, b) => a + b, 0) + next)).toBeGreaterThan(budget - 100_000)
      }
    }
    expect(batches.filter((b) => b.length === 1 && b[0]! >= 600_000).length).toBe(16)
  })

  it("counts undecodable values as warnings instead of failing (stored JSON once a plugin reads it)", async () => {
    const file = archive([
      {
        uri: "at://did:plc:t/app.bsky.feed.post/1",
        did: "did:plc:t",
        created_at: "soon",
        indexed_at: "2024-01-01T00:00:00Z",
        embed_data: "{bad"
      },
      { uri: "at://did:plc:t/app.bsky.feed.post/2", did: "did:plc:t", created_at: "2024-01-01T00:00:00Z", labels: "[]" }
    ])
    const { uris, warnings } = await read(file, "did:plc:t")
    expect(uris).toHaveLength(2)
    expect(warnings.count).toBe(1)
    const checked = await read(file, "did:plc:t", { each: (post) => post.embedData?.valid })
    expect(checked.warnings.count).toBe(2)
    const { warnings: both } = checked
    expect(both.first.join("\n")).toMatch(/created_at "soon" is not a timestamp/)
    expect(both.first.join("\n")).toMatch(/embed_data is not valid JSON/)
  })
})

describe("Reading an archive without the export-order index, from sorted keys", () => {
  /** Reads `did`'s posts with the archive as it is (no index added). */
  const readAs = (file: string, did: string, dates: { since?: string; until?: string } = {}) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const range = yield* DateRange.make(dates)
          const source = yield* BatchSource.open(file, { did, range }, { batchSize: 7, indexed: false })
          const uris: Array<string> = []
          yield* Stream.runForEach(source.batches, (batch) => Effect.sync(() => uris.push(...batch.map((p) => p.uri))))
          return { total: source.total, uris }
        })
      )
    )

  const plans = (file: string, dates: { since?: string; until?: string } = {}) => {
    const range = Effect.runSync(DateRange.make(dates))
    const init = BatchSource.workerInit(file, { did: "did:plc:t", range }, { indexed: false })
    const db = new Database(file, { readonly: true })
    db.function(init.instantFunction, (text: unknown) => text)
    const plan = (sql: string, params: unknown) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail)
    const result = { keys: plan(init.sortedKeys!.keysSql, init.params), row: plan(init.sortedKeys!.rowSql, 1) }
    db.close()
    return result
  }

  /** Three accounts interleaved, long created_at ties, and uris out of insertion order. */
  const mixed = (): string => {
    const rows: Array<Row> = []
    for (let i = 0; i < 300; i++) {
      const did = i % 5 === 3 ? "did:plc:other" : i % 7 === 0 ? "did:plc:third" : "did:plc:t"
      const created =
        i % 4 === 0 ? "2024-05-01T00:00:00Z" : new Date(Date.UTC(2024, 4, 1) - (i % 37) * 3_600_000).toISOString()
      rows.push({
        uri: `at://${did}/app.bsky.feed.post/${String((i * 53) % 300).padStart(3, "0")}-${i}`,
        did,
        created_at: created
      })
    }
    return archive(rows)
  }

  it("sorts only the DID's keys, found through bskyarchive's did index, and reads each post by rowid", () => {
    const file = mixed()
    for (const dates of [{}, { since: "2024-04-20", until: "2024-04-30" }]) {
      const { keys, row } = plans(file, dates)
      expect(keys.join("\n")).toMatch(/SEARCH posts USING (COVERING )?INDEX idx_posts_did \(did=\?\)/)
      expect(keys).toContain("USE TEMP B-TREE FOR ORDER BY")
      expect(row).toEqual(["SEARCH posts USING INTEGER PRIMARY KEY (rowid=?)"])
    }
  })

  it.each([
    ["every date", {}],
    ["a date range", { since: "2024-04-25", until: "2024-04-29" }]
  ])("reads the same posts in the same order as through the export-order index (%s)", async (_, dates) => {
    const file = mixed()
    const sorted = new Map<string, Awaited<ReturnType<typeof readAs>>>()
    for (const did of ["did:plc:t", "did:plc:other", "did:plc:third", "did:plc:none"]) {
      sorted.set(did, await readAs(file, did, dates))
      if (did !== "did:plc:none") expect(sorted.get(did)!.total, did).toBeGreaterThan(0)
    }
    for (const did of sorted.keys()) {
      const indexed = await read(file, did, { batchSize: 7, ...dates })
      expect(indexed.indexed).toBe(true)
      expect(sorted.get(did), did).toEqual({ total: indexed.total, uris: indexed.uris })
    }
  })
})

describe("a snapshot of an archive another process holds locked", () => {
  it.each([
    ["on this thread", true],
    ["on a reader thread", false]
  ])("%s: an interrupt ends the wait for the lock at once", async (_, onThisThread) => {
    const file = archive(posts(10))
    const holder = new Database(file)
    try {
      const range = await Effect.runPromise(DateRange.make({}))
      const startedAt = Date.now()
      const fiber = Effect.runFork(
        Effect.scoped(
          Effect.gen(function* () {
            const a = yield* Archive.open({ path: file })
            // Taken once the archive is open: the snapshot is what waits.
            holder.exec("BEGIN EXCLUSIVE")
            holder.exec("UPDATE posts SET like_count = 1")
            return yield* BatchSource.open(a.path, { did: "did:plc:test", range }, { onThisThread })
          })
        )
      )
      await new Promise((resolve) => setTimeout(resolve, 300))
      await Effect.runPromise(Fiber.interrupt(fiber))
      const exit = await Effect.runPromise(Fiber.await(fiber))
      expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause), String(exit)).toBe(true)
      // Not the 5 s of the busy timeout.
      expect(Date.now() - startedAt).toBeLessThan(2_000)
    } finally {
      if (holder.inTransaction) holder.exec("ROLLBACK")
      holder.close()
    }
  })
})
