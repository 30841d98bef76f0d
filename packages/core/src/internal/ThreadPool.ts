/**
 * The threads that read and encode exports: a service that hands each export
 * a waiting thread (see Prewarm) or a new one, on a channel of its own, and
 * takes it back when the export ended cleanly, for the next export.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { MessageChannel, type Worker } from "node:worker_threads"
import * as Prewarm from "./Prewarm.js"
import { describe, type FromWorker, type ToWorker, type WorkerInit } from "./ThreadProtocol.js"

/** A thread serving one export. */
export interface Lease {
  readonly send: (message: ToWorker) => void
  /**
   * Ends the export on the thread. After an export that ended cleanly
   * (`reuse`), a thread that closes its side goes back to wait for the next
   * export; any other thread stops.
   */
  readonly end: (reuse: boolean) => Promise<void>
}

export interface ThreadPoolShape {
  /** A thread serving `init`, its messages (and its failure) to `deliver`. */
  readonly start: (init: WorkerInit, deliver: (message: FromWorker) => void) => Lease
  /** Stops the prewarmed threads no export took: an export that has all its threads calls it. */
  readonly shed: Effect.Effect<void>
  /** Threads waiting for an export. */
  readonly idle: Effect.Effect<number>
}

/**
 * How long a thread may take to end an export that ended cleanly: it only
 * has to close its connection, or it is stopped instead.
 */
const CLOSE_MILLIS = 2_000

const start = (init: WorkerInit, deliver: (message: FromWorker) => void): Lease => {
  const worker: Worker = Prewarm.take() ?? Prewarm.spawn()
  worker.ref()
  const { port1, port2 } = new MessageChannel()
  // The thread says "closed" once its export's connection is closed, whenever that is asked of it.
  let acknowledge: (clean: boolean) => void = () => {}
  const acknowledged = new Promise<boolean>((resolve) => (acknowledge = resolve))
  port1.on("message", (m: FromWorker) => (m.type === "closed" ? acknowledge(true) : deliver(m)))
  port1.once("close", () => acknowledge(false))
  const onError = (e: unknown) => deliver({ type: "error", stage: "read", message: describe(e) })
  const onExit = (code: number) => {
    if (code !== 0) deliver({ type: "error", stage: "read", message: `reader stopped (${code})` })
  }
  worker.on("error", onError)
  worker.on("exit", onExit)
  worker.postMessage({ type: "init", init, port: port2 } satisfies Prewarm.Assign, [port2])
  return {
    send: (message) => port1.postMessage(message),
    end: async (reuse) => {
      port1.postMessage({ type: "close" } satisfies ToWorker)
      // Whichever comes first settles it: the thread's "closed", its port closing, or the time.
      const timer = setTimeout(() => acknowledge(false), CLOSE_MILLIS)
      const clean = reuse && (await acknowledged)
      clearTimeout(timer)
      port1.close()
      worker.off("error", onError)
      worker.off("exit", onExit)
      if (clean) Prewarm.giveBack(worker)
      else await worker.terminate()
    }
  }
}

const pool: ThreadPoolShape = {
  start,
  shed: Effect.sync(Prewarm.shed),
  idle: Effect.sync(Prewarm.waiting)
}

/** The threads that read and encode exports: the waiting ones first, then new ones. */
export const make: Effect.Effect<ThreadPoolShape> = Effect.succeed(pool)

/** The threads that read and encode exports, as a service. */
export class ThreadPool extends Context.Service<ThreadPool, ThreadPoolShape>()("@skyporter/core/ThreadPool") {
  static readonly layer: Layer.Layer<ThreadPool> = Layer.succeed(ThreadPool, pool)
}

/** The pool in context, or else the process's own. */
export const current: Effect.Effect<ThreadPoolShape> = Effect.map(Effect.serviceOption(ThreadPool), (found) =>
  found._tag === "Some" ? found.value : pool
)
