import { ExportDirectory } from "@skyporter/core"
import * as Threads from "@skyporter/core/Threads"
import { Effect, Exit, Fiber, Stream } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import { ExportId, JobManager } from "../src/index.js"
import {
  DID_A,
  DID_B,
  DID_C,
  events,
  finalEvent,
  freshOut,
  seededArchive,
  SLOW_BATCHES,
  tree,
  withManager
} from "./helpers.js"

const fixture = seededArchive()
const ALL = JobManager.ALL

/** Waits until the job's snapshot has written at least one batch. */
const running = (manager: JobManager.JobManagerShape, id: string) =>
  manager
    .watch(id, ALL)
    .pipe(Effect.flatMap((s) => Stream.runHead(Stream.filter(s, (e) => e.snapshot.posts_processed > 0))))

describe("JobManager", () => {
  it("exclusive: waits for running exports, holds queued ones until it ends, and is not overtaken", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, maxRunning: 2 }, (m) =>
      Effect.gen(function* () {
        const order: Array<string> = []
        const first = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        yield* running(m, first.id)
        // The write waits for the running export…
        const write = yield* Effect.forkChild(
          m.exclusive(
            Effect.gen(function* () {
              order.push("write")
              const during = yield* m.get(first.id, ALL)
              order.push(`A ${during.status}`)
              yield* Effect.sleep("300 millis")
              const queued = yield* m.get(second.id, ALL)
              order.push(`B ${queued.status}`)
              return "written"
            })
          )
        )
        yield* Effect.sleep("100 millis")
        // …and an export asked for meanwhile waits behind it, though a worker is free.
        const second = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        expect(order).toEqual([])
        expect(yield* Fiber.join(write)).toBe("written")
        expect(order).toEqual(["write", "A completed", "B queued"])
        expect((yield* finalEvent(m, second.id)).type).toBe("completed")
      })
    )
  })

  it("runs an export, publishes it under the name fixed at request time, and lists it", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const item = yield* m.submit({ did: DID_A, format: "json", since: "2024-01-01" }, ALL)
        expect(["queued", "running"]).toContain(item.status)
        const parts = ExportId.decode(item.id)!
        expect(parts.did).toBe(DID_A)
        expect(item.created_at).toBe(ExportId.createdAt(parts.name))
        const last = yield* finalEvent(m, item.id)
        expect(last.type).toBe("completed")
        expect(last.snapshot.status).toBe("completed")
        expect(last.snapshot.posts_processed).toBe(last.snapshot.posts_total)

        expect(tree(path.join(out, DID_A, parts.name))).toEqual(["manifest.json", "posts.json"])
        const got = yield* m.get(item.id, ALL)
        expect(got.status).toBe("completed")
        expect(got.manifest?.post_count).toBe(last.snapshot.posts_processed)
        expect(got.post_count).toBe(got.manifest?.post_count)
        expect(got.date_range).toEqual({ since: "2024-01-01", until: null })
        expect(got.size_bytes).toBeGreaterThan(0)
        const page = yield* m.list({ limit: 10 }, ALL)
        expect(page.items.map((i) => i.id)).toEqual([item.id])
        expect(page.nextCursor).toBeNull()
        // Nothing temporary left.
        expect(tree(out).filter((p) => p.includes(ExportDirectory.TEMP_PREFIX))).toEqual([])
      })
    )
  })

  it.each([
    [1, 1],
    [3, 2]
  ])("exports on the threads it is given: on %i, ten batches start %i reader thread(s)", async (threads, readers) => {
    // Node numbers a process's threads in turn: two probes bracket the ones the export started.
    const probe = async () => {
      const worker = new Worker("", { eval: true })
      const id = worker.threadId
      await worker.terminate()
      return id
    }
    const out = freshOut(fixture)
    // None kept waiting from an earlier export: the probes count the threads this one starts.
    Threads.stopWaiting()
    const before = await probe()
    await withManager(fixture.db, { out, threads, ...SLOW_BATCHES }, (m) =>
      Effect.gen(function* () {
        const item = yield* m.submit({ did: DID_A, format: "json" }, ALL)
        const last = yield* finalEvent(m, item.id)
        expect(last.type).toBe("completed")
        expect(last.snapshot.posts_processed).toBe(1_000)
      })
    )
    expect((await probe()) - before - 1).toBe(readers)
  })

  it("refuses a second queued or running export of the same DID, not of another", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, maxRunning: 1 }, (m) =>
      Effect.gen(function* () {
        const first = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const again = yield* Effect.flip(m.submit({ did: DID_A, format: "json" }, ALL))
        expect(again._tag).toBe("ExportInProgress")
        expect(again.message).toContain(first.id)
        const other = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        expect(other.status).toBe("queued") // maxRunning 1: waits for A
        yield* m.remove(first.id, ALL)
        yield* m.remove(other.id, ALL)
      })
    )
  })

  it("runs at most maxRunning exports, the others in FIFO order", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, maxRunning: 1 }, (m) =>
      Effect.gen(function* () {
        const a = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const b = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        const c = yield* m.submit({ did: DID_C, format: "json" }, ALL)
        expect((yield* m.get(b.id, ALL)).status).toBe("queued")
        expect((yield* m.get(c.id, ALL)).status).toBe("queued")
        const started: Array<string> = []
        const order = yield* Effect.forEach(
          [a, b, c],
          (job) =>
            m.watch(job.id, ALL).pipe(
              Effect.flatMap((s) =>
                Stream.runForEach(s, (e) =>
                  Effect.sync(() => {
                    if (e.snapshot.status === "running" && !started.includes(job.id)) started.push(job.id)
                  })
                )
              ),
              Effect.as(job.id)
            ),
          { concurrency: "unbounded" }
        )
        expect(order).toEqual([a.id, b.id, c.id])
        expect(started).toEqual([a.id, b.id, c.id])
        for (const job of [a, b, c]) expect((yield* m.get(job.id, ALL)).status).toBe("completed")
      })
    )
  })

  it("cancels a running export: watchers get cancelled, nothing stays on disk, the id is gone", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const job = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const watcher = yield* Effect.forkChild(events(m, job.id), { startImmediately: true })
        yield* running(m, job.id)
        yield* m.remove(job.id, ALL)
        const seen = yield* Fiber.join(watcher)
        expect(seen[seen.length - 1]!.type).toBe("cancelled")
        expect(seen.filter((e) => e.type !== "progress")).toHaveLength(1)
        expect(tree(out).filter((p) => !p.endsWith(DID_A))).toEqual([])
        expect((yield* Effect.flip(m.get(job.id, ALL)))._tag).toBe("ExportNotFound")
        expect((yield* Effect.flip(m.remove(job.id, ALL)))._tag).toBe("ExportNotFound")
        // The DID is free again.
        const next = yield* m.submit({ did: DID_A, format: "json" }, ALL)
        expect((yield* finalEvent(m, next.id)).type).toBe("completed")
      })
    )
  })

  it("cancels a queued export without running it", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, maxRunning: 1 }, (m) =>
      Effect.gen(function* () {
        const a = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const b = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        const watcher = yield* Effect.forkChild(events(m, b.id), { startImmediately: true })
        yield* m.remove(b.id, ALL)
        const seen = yield* Fiber.join(watcher)
        expect(seen.map((e) => e.type)).toEqual(["progress", "cancelled"])
        expect((yield* finalEvent(m, a.id)).type).toBe("completed")
        expect(tree(out).some((p) => p.startsWith(DID_B))).toBe(false)
      })
    )
  })

  it("fans progress out to many watchers, resumes after an event id, and replays the end", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, ...SLOW_BATCHES }, (m) =>
      Effect.gen(function* () {
        const job = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const watchers = yield* Effect.forEach(
          Array.from({ length: 20 }, () => 0),
          () => Effect.forkChild(events(m, job.id), { startImmediately: true })
        )
        const all = yield* Fiber.joinAll(watchers)
        for (const seen of all) {
          expect(seen[seen.length - 1]!.type).toBe("completed")
          const seqs = seen.map((e) => e.seq)
          expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
          const processed = seen.map((e) => e.snapshot.posts_processed)
          expect(processed).toEqual([...processed].sort((x, y) => x - y))
        }
        const finalSeq = all[0]![all[0]!.length - 1]!.seq
        // Resuming after an event yields only later ones; after the end, the final event.
        const resumed = yield* events(m, job.id, finalSeq - 2)
        expect(resumed.map((e) => e.seq)).toEqual([finalSeq - 1, finalSeq])
        const late = yield* events(m, job.id, finalSeq)
        expect(late.map((e) => [e.seq, e.type])).toEqual([[finalSeq, "completed"]])
      })
    )
  })

  it("records a failure with its stage and message, and forgets it when deleted", async () => {
    const out = freshOut(fixture)
    // A file where the DID's folder must go: the export cannot be published.
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        writeFileSync(path.join(out, DID_B), "in the way")
        const job = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        const last = yield* finalEvent(m, job.id)
        expect(last.type).toBe("failed")
        expect(last.snapshot.error?.stage).toBe("publish")
        const item = yield* m.get(job.id, ALL)
        expect(item.status).toBe("failed")
        expect(item.progress.error?.message).toMatch(/cannot create/)
        yield* m.remove(job.id, ALL)
        expect((yield* Effect.flip(m.get(job.id, ALL)))._tag).toBe("ExportNotFound")
        expect(tree(out)).toEqual([DID_B])
      })
    )
  })

  it("finds completed exports again after a restart, with the same ids, and sweeps dead leftovers", async () => {
    const out = freshOut(fixture)
    const ids = await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const a = yield* m.submit({ did: DID_A, format: "json" }, ALL)
        yield* finalEvent(m, a.id)
        const b = yield* m.submit({ did: DID_B, format: "json" }, ALL)
        yield* finalEvent(m, b.id)
        return [b.id, a.id]
      })
    )
    // Leftovers of a killed process (pid 999999999 never runs).
    const host = ExportDirectory.tempName().split("-").slice(2, -3).join("-")
    const dead = `${ExportDirectory.TEMP_PREFIX}${host}-999999999-1-0badc0de`
    mkdirSync(path.join(out, dead))
    mkdirSync(path.join(out, DID_A, dead))
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const page = yield* m.list({ limit: 10 }, ALL)
        expect(page.items.map((i) => i.id).sort()).toEqual([...ids].sort())
        for (const id of ids) expect((yield* m.get(id, ALL)).status).toBe("completed")
        const late = yield* events(m, ids[0]!)
        expect(late.map((e) => e.type)).toEqual(["completed"])
      })
    )
    expect(tree(out).filter((p) => p.includes(ExportDirectory.TEMP_PREFIX))).toEqual([])
  })

  it("pages newest first with a cursor", async () => {
    const out = freshOut(fixture)
    // Five published exports of one DID, made by hand in distinct seconds.
    const names = [
      "2024-01-01_00-00-01",
      "2024-01-01_00-00-02",
      "2024-01-01_00-00-02_2",
      "2024-01-01_00-00-03",
      "2024-02-01_00-00-00"
    ]
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const job = yield* m.submit({ did: DID_C, format: "json" }, ALL)
        yield* finalEvent(m, job.id)
        const source = path.join(out, DID_C, ExportId.decode(job.id)!.name)
        for (const name of names) {
          const dir = path.join(out, DID_C, name)
          mkdirSync(dir)
          for (const f of ["manifest.json", "posts.json"]) {
            writeFileSync(path.join(dir, f), readFileSync(path.join(source, f)))
          }
        }
        const seen: Array<string> = []
        let cursor: string | undefined
        for (let page = 0; page < 10; page++) {
          const result = yield* m.list({ did: DID_C, limit: 2, cursor }, ALL)
          seen.push(...result.items.map((i) => ExportId.decode(i.id)!.name))
          if (result.nextCursor === null) break
          cursor = result.nextCursor
        }
        expect(seen).toEqual([ExportId.decode(job.id)!.name, ...[...names].reverse()])
        const bad = yield* Effect.flip(m.list({ limit: 2, cursor: "../../etc" }, ALL))
        expect(bad.field).toBe("cursor")
      })
    )
  })

  it("hides other accounts' exports from an account-bound caller, exactly like missing ones", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const a = yield* m.submit({ did: DID_A, format: "json" }, ALL)
        yield* finalEvent(m, a.id)
        const b = yield* m.submit({ did: DID_B, format: "slowjson" }, { did: DID_B })
        const asA = { did: DID_A }
        expect((yield* Effect.flip(m.submit({ did: DID_B, format: "json" }, asA)))._tag).toBe("Forbidden")
        expect((yield* m.list({ limit: 10 }, asA)).items.map((i) => i.id)).toEqual([a.id])
        expect((yield* m.list({ did: DID_B, limit: 10 }, asA)).items).toEqual([])
        for (const op of [m.get(b.id, asA), m.watch(b.id, asA), m.remove(b.id, asA)]) {
          expect((yield* Effect.flip(op))._tag).toBe("ExportNotFound")
        }
        expect((yield* Effect.flip(Effect.scoped(m.download(a.id, { did: DID_B }))))._tag).toBe("ExportNotFound")
        // B's export is untouched.
        expect((yield* m.get(b.id, ALL)).status).not.toBe("cancelled")
        yield* m.remove(b.id, { did: DID_B })
      })
    )
  })

  it("treats malformed and traversal-shaped ids as missing", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const evil = [
          "..",
          "../../etc/passwd",
          "..%2F..",
          "%00",
          "/etc/passwd",
          Buffer.from(`${DID_A}/../../x`).toString("base64url"),
          Buffer.from(`${DID_A}/2024-01-01_00-00-00/..`).toString("base64url"),
          Buffer.from(`${DID_A}/2024-01-01_00-00-00`).toString("base64") + "=",
          ""
        ]
        for (const id of evil) {
          expect(ExportId.decode(id)).toBeUndefined()
          expect((yield* Effect.flip(m.get(id, ALL)))._tag).toBe("ExportNotFound")
          expect((yield* Effect.flip(m.remove(id, ALL)))._tag).toBe("ExportNotFound")
        }
        // "did:plc:.." is a DID by the AT Protocol's syntax: as a folder name it is one plain name, never a step up.
        const dots = Buffer.from(`did:plc:../2024-01-01_00-00-00`).toString("base64url")
        expect(ExportId.decode(dots)).toEqual({ did: "did:plc:..", name: "2024-01-01_00-00-00" })
        expect((yield* Effect.flip(m.get(dots, ALL)))._tag).toBe("ExportNotFound")
        expect((yield* Effect.flip(m.remove(dots, ALL)))._tag).toBe("ExportNotFound")
        expect(tree(out)).toEqual([])
      })
    )
  })

  it("limits downloads per DID and deletes after a complete download only", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out, maxDownloadsPerDid: 2 }, (m) =>
      Effect.gen(function* () {
        const job = yield* m.submit({ did: DID_A, format: "json" }, ALL)
        yield* finalEvent(m, job.id)
        const dir = path.join(out, DID_A, ExportId.decode(job.id)!.name)
        // Two in flight: a third is refused.
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* m.download(job.id, ALL)
            yield* m.download(job.id, ALL)
            expect((yield* Effect.flip(Effect.scoped(m.download(job.id, ALL))))._tag).toBe("TooManyDownloads")
          })
        )
        // Interrupted before the end: kept.
        yield* Effect.scoped(m.download(job.id, ALL, { deleteAfter: true }))
        expect(tree(dir)).toEqual(["manifest.json", "posts.json"])
        // Deleted while another download still reads it: hidden at once, removed when that one ends.
        const exit = yield* Effect.scoped(
          Effect.gen(function* () {
            const other = yield* m.download(job.id, ALL)
            const mine = yield* Effect.scoped(
              Effect.gen(function* () {
                const d = yield* m.download(job.id, ALL, { deleteAfter: true })
                yield* d.sent
                return d
              })
            )
            expect(mine.dir).toBe(dir)
            expect((yield* Effect.flip(m.get(job.id, ALL)))._tag).toBe("ExportNotFound")
            expect(tree(other.dir)).toEqual(["manifest.json", "posts.json"])
          })
        ).pipe(Effect.exit)
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(tree(path.join(out, DID_A))).toEqual([])
      })
    )
  })

  it("validates the request as the core does", async () => {
    const out = freshOut(fixture)
    await withManager(fixture.db, { out }, (m) =>
      Effect.gen(function* () {
        const cases = [
          [{ did: "nope", format: "json" }, "did"],
          [{ did: DID_A, format: "xml" }, "format"],
          [{ did: DID_A, format: "json", since: "yesterday" }, "since"],
          [{ did: DID_A, format: "json", since: "2024-02-01", until: "2024-01-01" }, "until"]
        ] as const
        for (const [input, field] of cases) {
          const e = yield* Effect.flip(m.submit(input, ALL))
          expect(e._tag).toBe("InvalidRequest")
          expect(e._tag === "InvalidRequest" && e.field).toBe(field)
        }
        expect(tree(out)).toEqual([])
      })
    )
  })

  it("cancels everything on shutdown and leaves nothing temporary", async () => {
    const out = freshOut(fixture)
    let ids: Array<string> = []
    const seen = await withManager(fixture.db, { out, maxRunning: 1 }, (m) =>
      Effect.gen(function* () {
        const a = yield* m.submit({ did: DID_A, format: "slowjson" }, ALL)
        const b = yield* m.submit({ did: DID_B, format: "slowjson" }, ALL)
        ids = [a.id, b.id]
        const watchers = yield* Effect.forEach(ids, (id) =>
          Effect.forkChild(finalEvent(m, id), { startImmediately: true })
        )
        yield* running(m, a.id)
        yield* m.shutdown
        const finals = yield* Fiber.joinAll(watchers)
        expect((yield* Effect.flip(m.submit({ did: DID_C, format: "json" }, ALL)))._tag).toBe("ShuttingDown")
        return finals.map((e) => e.type)
      })
    )
    expect(seen).toEqual(["cancelled", "cancelled"])
    expect(tree(out).filter((p) => p.includes(ExportDirectory.TEMP_PREFIX) || p.split(path.sep).length > 1)).toEqual([])
  })
})
