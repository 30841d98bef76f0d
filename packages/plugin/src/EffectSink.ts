/**
 * For plugins written with effect: the sink as effects, run by the plugin's
 * own copy of effect. The contract carries no effect types, so whichever
 * copy (and 4.x version) the plugin installed does the running:
 *
 * ```ts
 * import { Effect } from "effect"
 * make: (options) => effectSink(Effect.runPromise, {
 *   start: Effect.succeed("["),
 *   write: (batch) => Effect.sync(() => render(batch)),
 *   end: Effect.succeed("]")
 * })
 * ```
 */
import type { Chunk, Sink } from "./Plugin.js"
import type { PostBatch } from "./Post.js"
import type { BatchContext } from "./Plugin.js"

/** A sink whose steps are values of the plugin's effect type `E`. */
export interface EffectfulSink<E> {
  readonly start?: E | undefined
  readonly write: (batch: PostBatch, context: BatchContext) => E
  readonly end?: E | undefined
}

/** A plain sink running each step with `run` (the plugin's `Effect.runPromise`). */
export const effectSink = <E>(run: (effect: E) => Promise<Chunk>, sink: EffectfulSink<E>): Sink => {
  const { start, end } = sink
  return {
    start: start === undefined ? undefined : () => run(start),
    write: (batch, context) => run(sink.write(batch, context)),
    end: end === undefined ? undefined : () => run(end)
  }
}
