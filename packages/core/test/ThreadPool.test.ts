import { Cause, Effect, Exit, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as Archive from "../dist/Archive.js"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import * as Prewarm from "../dist/internal/Prewarm.js"
import * as ThreadPool from "../dist/internal/ThreadPool.js"
import concurrentLines from "./concurrent-lines.mjs"
import { archive, collect, posts, tempDir } from "./helpers.js"

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

// A pool adopts what is left prewarmed and, its scope closed, stops it.
afterEach(() => Effect.runPromise(Effect.scoped(ThreadPool.make)))

describe("ThreadPool", () => {
  it("hands a prewarmed thread to a snapshot, which reads as a fresh one does, and stops the rest", async () => {
    const file = archive(posts(2_500))
    const fresh = await read(file)
    Prewarm.prewarm(3)
    expect(Prewarm.waiting()).toBe(2)
    const warmed = await read(file)
    expect(Prewarm.waiting()).toBe(0)
    expect(warmed.total).toBe(2_500)
    expect(warmed.uris).toEqual(fresh.uris)
  })

  it("adopts the prewarmed threads; start takes one, which answers as a fresh one does; its scope stops the rest", async () => {
    const file = archive(posts(1_234))
    const range = await Effect.runPromise(DateRange.make({}))
    Prewarm.prewarm(3)
    const idle = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const pool = yield* ThreadPool.ThreadPool
          expect(Prewarm.waiting()).toBe(0)
          expect(yield* pool.idle).toBe(2)
          const worker = pool.start(BatchSource.workerInit(file, { did: "did:plc:test", range }))
          expect(yield* pool.idle).toBe(1)
          const first = yield* Effect.promise(() => new Promise((resolve) => worker.once("message", resolve)))
          expect(first).toEqual({ type: "ready", total: 1_234 })
          yield* Effect.promise(() => worker.terminate())
          return pool
        }).pipe(Effect.provide(ThreadPool.ThreadPool.layer))
      )
    )
    expect(await Effect.runPromise(idle.idle)).toBe(0)
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
      Prewarm.prewarm(warm)
      expect(await export_(3), `${warm} prewarmed`).toBe(reference)
      expect(Prewarm.waiting()).toBe(0)
    }
  })

  it("never keeps the process alive", () => {
    const module = new URL("../dist/internal/Prewarm.js", import.meta.url).href
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const pool = await import(${JSON.stringify(module)}); pool.prewarm(3); console.log(pool.waiting())`
      ],
      { encoding: "utf8", timeout: 30_000 }
    )
    expect(out.trim()).toBe("2")
  })
})
