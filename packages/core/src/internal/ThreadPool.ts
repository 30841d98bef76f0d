/**
 * The threads that read and encode exports: a scoped service that adopts the
 * threads prewarmed before it (see Prewarm), hands them out, and stops those
 * it still holds when its scope closes.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Worker } from "node:worker_threads"
import type { WorkerInit } from "./ThreadProtocol.js"
import * as Prewarm from "./Prewarm.js"

export interface ThreadPoolShape {
  /** A thread working on `init`: an idle prewarmed one when there is one, else a new one. */
  readonly start: (init: WorkerInit) => Worker
  /** Stops the idle threads: an export that has all its threads calls it. */
  readonly shed: Effect.Effect<void>
  /** Idle threads held. */
  readonly idle: Effect.Effect<number>
}

/** A pool that adopts the prewarmed threads and stops those it still holds when its scope closes. */
export const make: Effect.Effect<ThreadPoolShape, never, Scope.Scope> = Effect.gen(function* () {
  const idle = Prewarm.adopt()
  for (const worker of idle) {
    const drop = () => {
      const k = idle.indexOf(worker)
      if (k >= 0) idle.splice(k, 1)
    }
    worker.once("error", drop)
    worker.once("exit", drop)
  }
  const shed = Effect.sync(() => {
    for (const worker of idle.splice(0)) void worker.terminate()
  })
  yield* Effect.addFinalizer(() => shed)
  const start = (init: WorkerInit): Worker => {
    const worker = idle.shift()
    if (worker === undefined) return Prewarm.spawn(init)
    worker.removeAllListeners("error")
    worker.removeAllListeners("exit")
    worker.ref()
    worker.postMessage({ type: "init", init } satisfies Prewarm.Assign)
    return worker
  }
  return { start, shed, idle: Effect.sync(() => idle.length) } satisfies ThreadPoolShape
})

/** The threads that read and encode exports, as a scoped service. */
export class ThreadPool extends Context.Service<ThreadPool, ThreadPoolShape>()("@skyporter/core/ThreadPool") {
  static readonly layer: Layer.Layer<ThreadPool> = Layer.effect(ThreadPool, make)
}

/** The pool in context, or else one of the current scope's own. */
export const current: Effect.Effect<ThreadPoolShape, never, Scope.Scope> = Effect.flatMap(
  Effect.serviceOption(ThreadPool),
  (pool) => (pool._tag === "Some" ? Effect.succeed(pool.value) : make)
)
