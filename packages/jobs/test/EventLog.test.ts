/**
 * A job's event log: watchers that join late, resume after an event, or come
 * after the end; nothing is recorded after the final event.
 */
import { Progress } from "@skyporter/core"
import { Effect, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as EventLog from "../src/EventLog.js"

const at = (n: number): Progress.ProgressSnapshot => ({
  ...Progress.initial,
  status: "running",
  posts_processed: n,
  posts_total: 1000
})
const seqs = (stream: Stream.Stream<{ seq: number; type: string }>) =>
  Effect.map(Stream.runCollect(stream), (all) => Array.from(all, (e) => `${e.seq}:${e.type}`))

describe("EventLog", () => {
  it("starts a new watcher at the current state, resumes after an id, and replays the end", async () => {
    await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog.make
        for (let i = 1; i <= 3; i++) yield* log.emit("progress", at(i))
        const live = yield* Effect.forkChild(seqs(log.watch(0)), { startImmediately: true })
        const resumed = yield* Effect.forkChild(seqs(log.watch(1)), { startImmediately: true })
        yield* Effect.yieldNow
        yield* log.emit("progress", at(4))
        yield* log.emit("completed", { ...at(4), status: "completed" })
        yield* log.emit("progress", at(5)) // after the end: ignored
        const first = yield* Fiber.join(live)
        expect(first[0]).toBe("3:progress")
        expect(first[first.length - 1]).toBe("5:completed")
        expect(yield* Fiber.join(resumed)).toEqual(["2:progress", "3:progress", "4:progress", "5:completed"])
        expect(yield* seqs(log.watch(0))).toEqual(["5:completed"])
        expect(yield* seqs(log.watch(5))).toEqual(["5:completed"])
        expect(yield* seqs(log.watch(3))).toEqual(["4:progress", "5:completed"])
        expect((yield* log.final)?.type).toBe("completed")
      })
    )
  })

  it("keeps the last events only: a watcher far behind skips to what is kept", async () => {
    await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog.make
        for (let i = 1; i <= EventLog.HISTORY + 10; i++) yield* log.emit("progress", at(i))
        yield* log.emit("cancelled", { ...at(0), status: "cancelled" })
        const all = yield* seqs(log.watch(1))
        expect(all).toHaveLength(EventLog.HISTORY)
        expect(all[all.length - 1]).toBe(`${EventLog.HISTORY + 11}:cancelled`)
      })
    )
  })
})
