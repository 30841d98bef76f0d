/**
 * The threads of an export that ended cleanly wait for the next, which then
 * starts none; at most MAX_IDLE wait, holding no connection, and they stop
 * after their idle time (the loop: ThreadPool.test.ts, a waiting thread taken
 * and given back).
 */
import Database from "better-sqlite3"
import { Cause, Exit } from "effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as Prewarm from "../dist/internal/Prewarm.js"
import concurrentLines from "./concurrent-lines.mjs"
import { archive, collect, posts, probeThreadId, tempDir } from "./helpers.js"

// Each test starts with no thread waiting: a file run before this one in the same worker may have
// left some, and leaves none to the next.
beforeEach(() => Prewarm.stopWaiting())
afterEach(() => Prewarm.stopWaiting())

describe("ThreadPool", () => {
  it("keeps the threads of an export that ended cleanly for the next, which starts none; at most MAX_IDLE, for a while", async () => {
    const file = archive(posts(3_001))
    const export_ = async (threads: number, batchSize = 1_000) => {
      const before = await probeThreadId()
      const exit = await collect(
        file,
        { format: "clines", out: path.join(tempDir(), "out"), threads, chunkPosts: 500, batchSize },
        concurrentLines
      )
      const after = await probeThreadId()
      if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
      const last = exit.value.at(-1)
      if (last?._tag !== "Completed") throw new Error(`ended with ${last?._tag}`)
      return { started: after - before - 1, text: readFileSync(path.join(last.path, "posts.txt"), "utf8") }
    }
    const first = await export_(3)
    expect(first.started).toBe(2)
    expect(Prewarm.waiting()).toBe(2)
    const second = await export_(3)
    expect(second.started, "the next export's readers were waiting").toBe(0)
    expect(second.text).toBe(first.text)
    // Seven threads: six readers, two of them waiting, for 31 batches.
    const wide = await export_(7, 100)
    expect(wide.started).toBe(4)
    expect(wide.text).toBe(first.text)
    expect(Prewarm.waiting()).toBe(Prewarm.MAX_IDLE)
    // One batch on three threads: the two waiting readers it takes are ended at once, and kept.
    const small = archive(posts(500))
    const before = await probeThreadId()
    const one = await collect(
      small,
      { format: "clines", out: path.join(tempDir(), "out"), threads: 3 },
      concurrentLines
    )
    expect((await probeThreadId()) - before - 1).toBe(0)
    expect(Exit.isSuccess(one) && one.value.at(-1)?._tag).toBe("Completed")
    expect(Prewarm.waiting(), "the readers ended before the export did came back").toBe(Prewarm.MAX_IDLE)
    // Kept threads hold no connection: a writer takes the archive at once.
    const writer = new Database(file, { timeout: 0 })
    try {
      writer.exec("BEGIN EXCLUSIVE; ROLLBACK")
    } finally {
      writer.close()
    }
    // Threads given back from now on wait this long, then stop.
    Prewarm.stopWaiting()
    Prewarm.keepIdleFor(3_000)
    try {
      await export_(3)
      expect(Prewarm.waiting()).toBe(2)
      const until = Date.now() + 10_000
      while (Prewarm.waiting() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(Prewarm.waiting()).toBe(0)
    } finally {
      Prewarm.keepIdleFor(Prewarm.IDLE_MILLIS)
    }
  })
})
