/**
 * The progress throttle on the test clock: the first snapshot goes out at
 * once, then at most one per interval and always the newest; nothing
 * sleeps.
 */
import { Duration, Effect, Fiber, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { latestEvery } from "../src/Runner.js"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("latestEvery", () => {
  it("sends the first element at once, then the newest once per interval", async () => {
    const sent = await Effect.runPromise(
      Effect.gen(function* () {
        const queue = yield* Queue.unbounded<number>()
        const seen: Array<number> = []
        const fiber = yield* Stream.fromQueue(queue).pipe(
          latestEvery(Duration.millis(100)),
          Stream.runForEach((n) => Effect.sync(() => seen.push(n))),
          Effect.forkChild
        )
        yield* Queue.offer(queue, 1)
        yield* settle
        expect(seen).toEqual([1])
        // A burst within the interval: only its newest goes out, when the interval ends.
        yield* Queue.offerAll(queue, [2, 3, 4, 5])
        yield* settle
        expect(seen).toEqual([1])
        yield* TestClock.adjust("100 millis")
        yield* settle
        expect(seen).toEqual([1, 5])
        // Nothing new: nothing sent, however long it is quiet.
        yield* TestClock.adjust("1 second")
        yield* settle
        expect(seen).toEqual([1, 5])
        yield* Queue.offerAll(queue, [6, 7])
        yield* settle
        yield* TestClock.adjust("100 millis")
        yield* settle
        expect(seen[seen.length - 1]).toBe(7)
        expect(seen.every((n, i) => i === 0 || n > seen[i - 1]!)).toBe(true)
        yield* Fiber.interrupt(fiber)
        return seen
      }).pipe(Effect.provide(TestClock.layer()))
    )
    expect(sent.length).toBeLessThanOrEqual(4)
  })
})
