import { Cause, Effect, Exit, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as Archive from "../dist/Archive.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import * as Prewarm from "../dist/internal/Prewarm.js"
import * as ThreadPool from "../dist/internal/ThreadPool.js"
import concurrentLines from "./concurrent-lines.mjs"
import type { FromWorker } from "../dist/internal/ThreadProtocol.js"
import { archive, collect, posts, probeThreadId, tempDir } from "./helpers.js"

const read = (file: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const a = yield* Archive.open({ path: file })
        const range = yield* DateRange.make({})
        const source = yield* BatchSource.open(a.path, { did: "did:plc:test", range })
        const uris: Array<string> = []
        yield* Stream.runForEach(source.batches, (batch) => Effect.sync(() => uris.push(...batch.map((p) => p.uri))))
        return { total: source.total, uris }
      })
    )
  )

// Each test starts with no thread waiting.
afterEach(() => Prewarm.stopWaiting())

describe("ThreadPool", () => {
  it("hands a prewarmed thread to a snapshot, which reads as a fresh one does, stops the rest, and takes it back after", async () => {
    const file = archive(posts(2_500))
    const fresh = await read(file)
    Prewarm.stopWaiting()
    Prewarm.prewarm(3)
    expect(Prewarm.waiting()).toBe(2)
    const before = await probeThreadId()
    const warmed = await read(file)
    const after = await probeThreadId()
    expect(after - before - 1, "no thread started").toBe(0)
    expect(Prewarm.waiting()).toBe(1)
    expect(warmed.total).toBe(2_500)
    expect(warmed.uris).toEqual(fresh.uris)
  })

  it("start takes a waiting thread, which answers as a fresh one does; a clean end gives it back, any other stops it", async () => {
    const file = archive(posts(1_234))
    const range = await Effect.runPromise(DateRange.make({}))
    const init = BatchSource.workerInit(file, { did: "did:plc:test", range })
    Prewarm.prewarm(3)
    await Effect.runPromise(
      Effect.gen(function* () {
        const pool = yield* ThreadPool.ThreadPool
        expect(yield* pool.idle).toBe(2)
        const serve = () =>
          Effect.promise(async () => {
            let answer: (m: FromWorker) => void = () => {}
            const first = new Promise<FromWorker>((resolve) => (answer = resolve))
            const lease = pool.start(init, (m) => answer(m))
            return { lease, first: await first }
          })
        const one = yield* serve()
        expect(yield* pool.idle).toBe(1)
        expect(one.first).toEqual({ type: "ready", total: 1_234 })
        yield* Effect.promise(() => one.lease.end(true))
        expect(yield* pool.idle).toBe(2)
        const two = yield* serve()
        expect(two.first).toEqual({ type: "ready", total: 1_234 })
        yield* Effect.promise(() => two.lease.end(false))
        expect(yield* pool.idle).toBe(1)
        // Shedding stops prewarmed threads no export took, not those kept from one.
        Prewarm.prewarm(2)
        expect(yield* pool.idle).toBe(2)
        yield* pool.shed
        expect(yield* pool.idle).toBe(1)
      }).pipe(Effect.provide(ThreadPool.ThreadPool.layer))
    )
  })

  // The threads an export ends with, kept for the next, at most MAX_IDLE and for a while: ThreadPool.long.test.ts.
  it("stops the threads of another entry module when it changes, waiting or back from an export", async () => {
    Prewarm.prewarm(3)
    expect(Prewarm.waiting()).toBe(2)
    Prewarm.useScript(Prewarm.WORKER_URL)
    expect(Prewarm.waiting(), "the same entry keeps them").toBe(2)
    const file = archive(posts(10))
    const range = await Effect.runPromise(DateRange.make({}))
    const pool = await Effect.runPromise(ThreadPool.make)
    let answer: (m: FromWorker) => void = () => {}
    const first = new Promise<FromWorker>((resolve) => (answer = resolve))
    const lease = pool.start(BatchSource.workerInit(file, { did: "did:plc:test", range }), (m) => answer(m))
    expect(await first).toEqual({ type: "ready", total: 10 })
    Prewarm.useScript(new URL("./held-entry.mjs", import.meta.url))
    try {
      expect(Prewarm.waiting()).toBe(0)
      await lease.end(true)
      expect(Prewarm.waiting(), "a thread of the old entry is not kept").toBe(0)
    } finally {
      Prewarm.useScript(Prewarm.WORKER_URL)
    }
  })

  it.each([
    [1, 1],
    [2, 1],
    [4, 3],
    [32, 31]
  ])("prewarms, for an export on %i thread(s), %i reader(s): this thread encodes too", (threads, readers) => {
    expect(Prewarm.readers(threads)).toBe(readers)
    Prewarm.prewarm(threads)
    expect(Prewarm.waiting()).toBe(readers)
  })

  it.each([0, -1, 1.5, 33, Number.NaN, undefined])("prewarms the readers of the default count for %s", (n) => {
    Prewarm.prewarm(n)
    expect(Prewarm.waiting()).toBe(Prewarm.readers(Prewarm.defaultThreads()))
  })

  it("gives a parallel export its threads: prewarmed first, new ones for the rest, the same bytes", async () => {
    const file = archive(posts(3_001))
    const export_ = async (threads: number) => {
      const exit = await collect(
        file,
        { format: "clines", out: path.join(tempDir(), "out"), threads, chunkPosts: 500 },
        concurrentLines
      )
      if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
      const last = exit.value.at(-1)
      if (last?._tag !== "Completed") throw new Error(`ended with ${last?._tag}`)
      return readFileSync(path.join(last.path, "posts.txt"), "utf8")
    }
    const reference = await export_(3)
    for (const warm of [1, 3, 5]) {
      Prewarm.stopWaiting()
      Prewarm.prewarm(warm)
      expect(await export_(3), `${warm} prewarmed`).toBe(reference)
      // Its two readers wait for the next export; the threads it had no use for were stopped.
      expect(Prewarm.waiting()).toBe(2)
    }
  })

  it("never keeps the process alive, with threads prewarmed or back from an export", () => {
    const module = (name: string) => JSON.stringify(new URL(`../dist/${name}.js`, import.meta.url).href)
    const prewarmed = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const pool = await import(${module("internal/Prewarm")}); pool.prewarm(3); console.log(pool.waiting())`
      ],
      { encoding: "utf8", timeout: 10_000 }
    )
    expect(prewarmed.trim()).toBe("2")
    // A module file: a thread would inherit --input-type, which only -e allows.
    const file = archive(posts(2_500))
    const script = path.join(path.dirname(file), "read.mjs")
    writeFileSync(
      script,
      `import { Effect, Stream } from ${JSON.stringify(import.meta.resolve("effect"))}
       const BatchSource = await import(${module("BatchSource")})
       const DateRange = await import(${module("DateRange")})
       const pool = await import(${module("internal/Prewarm")})
       const range = Effect.runSync(DateRange.make({}))
       const read = Effect.flatMap(BatchSource.open(${JSON.stringify(file)}, { did: "did:plc:test", range }), (s) => Stream.runDrain(s.batches))
       await Effect.runPromise(Effect.scoped(read))
       console.log(pool.waiting())`
    )
    const exported = execFileSync(process.execPath, [script], { encoding: "utf8", timeout: 10_000 })
    expect(exported.trim(), "its reader waits, unreferenced").toBe("1")
  })
})
