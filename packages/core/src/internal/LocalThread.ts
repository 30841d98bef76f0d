/**
 * EncodingThread's loop run on this thread, over a MessageChannel: the same
 * protocol as a reader thread, without a thread to start (see BatchSource and
 * ParallelEncoder).
 *
 * Its snapshot is opened first, from here: a locked archive is waited for in
 * short attempts (LockWait), where an interrupt ends the wait. A busy timeout
 * spent inside SQLite on this thread would hold up its signal handlers too.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { MessageChannel } from "node:worker_threads"
import type { FormatPlugin } from "../FormatPlugin.js"
import * as LockWait from "../LockWait.js"
import * as EncodingThread from "./EncodingThread.js"
import type { FromWorker, ToWorker, WorkerInit } from "./ThreadProtocol.js"

export interface LocalThread {
  readonly send: (message: ToWorker) => void
}

/** The snapshot, or the error that kept it from opening; its connection closes with the scope unless `run` closed it. */
const openSnapshot = (init: WorkerInit) =>
  LockWait.retry(
    Effect.acquireRelease(
      Effect.try({
        try: () => EncodingThread.openSnapshot(init, LockWait.attemptTimeout(init.busyTimeout)),
        catch: (e) => e
      }),
      ({ db }) =>
        Effect.sync(() => {
          if (db.open) db.close()
        })
    ),
    init.busyTimeout
  ).pipe(Effect.result)

/**
 * Serves `init` on this thread, its messages to `deliver`; `plugin` encodes
 * without importing its module. It stops when the scope closes. A snapshot
 * that could not be opened is reported to `deliver` as a reader thread's is.
 */
export const start = (
  init: WorkerInit,
  deliver: (message: FromWorker) => void,
  plugin?: FormatPlugin
): Effect.Effect<LocalThread, never, Scope.Scope> =>
  Effect.flatMap(openSnapshot(init), (opened) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const { port1, port2 } = new MessageChannel()
        port1.on("message", deliver)
        const close = EncodingThread.run(init, port2, plugin, undefined, () => Result.getOrThrow(opened))
        return { port: port1, close }
      }),
      ({ close, port }) =>
        Effect.sync(() => {
          close()
          port.close()
        })
    ).pipe(Effect.map(({ port }): LocalThread => ({ send: (m) => port.postMessage(m) })))
  )
