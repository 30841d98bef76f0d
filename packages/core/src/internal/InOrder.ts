import * as Effect from "effect/Effect"
import type { Output } from "./OutputFile.js"
import type * as ParallelEncoder from "./ParallelEncoder.js"

/**
 * Writes encoded chunks to `output` in export order while threads finish
 * them in any order: bytes of the chunk being written go straight to the
 * output; bytes of later chunks wait in memory until every chunk before them
 * is done. Their credit is handed back only once they are written, so a
 * thread is never more than `ParallelEncoder.CREDIT` batches ahead.
 */
export const writeInOrder = (
  encoder: ParallelEncoder.Encoder,
  output: Output,
  batchOf: (message: ParallelEncoder.Encoded) => number,
  stored: (message: ParallelEncoder.Encoded) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const held = new Map<number, Array<ParallelEncoder.Encoded>>()
    const ended = new Set<number>()
    const store = (messages: ReadonlyArray<ParallelEncoder.Encoded>) =>
      Effect.gen(function*() {
        if (messages.length === 0) return
        yield* output.writeAll(messages.map((m) => m.bytes), batchOf(messages[0]!))
        for (const m of messages) {
          yield* encoder.release(m)
          yield* stored(m)
        }
      })
    let current = 0
    while (current < encoder.chunks.length) {
      // Everything that has arrived is written in one call: a write per
      // message would take a turn of the event loop each, and hand threads
      // their credit back no faster than this thread encodes its own share.
      const arrived = [yield* encoder.take]
      for (let m = yield* encoder.poll; m !== undefined; m = yield* encoder.poll) arrived.push(m)
      const ready: Array<ParallelEncoder.Encoded> = []
      for (const message of arrived) {
        if (message.last) ended.add(message.chunk)
        if (message.chunk === current) ready.push(message)
        else {
          const waiting = held.get(message.chunk)
          if (waiting === undefined) held.set(message.chunk, [message])
          else waiting.push(message)
        }
        while (ended.has(current)) {
          current++
          const waiting = held.get(current)
          if (waiting !== undefined) {
            held.delete(current)
            ready.push(...waiting)
          }
        }
      }
      yield* store(ready)
    }
  })
