/**
 * Running one job: the core's export into a private staging folder, its
 * progress sent to watchers at a bounded rate, and the finished directory
 * moved to `<out>/<did>/<name>`.
 *
 * Progress goes through a sliding buffer of one and `Stream.throttle`: the
 * export never waits for watchers, and watchers get the newest numbers at
 * most once per interval (time through `Clock`).
 */
import { Archive, describe, Export, ExportDirectory, ExportFailed, type Progress } from "@skyporter/core"
import { type Duration, Effect, Result, Stream } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as ExportId from "./ExportId.js"
import * as Job from "./Job.js"
import type * as Store from "./Store.js"

export interface RunContext {
  readonly archive: Archive.ArchiveShape
  readonly store: Store.Store
  /** Least time between two progress events. */
  readonly progressInterval: Duration.Duration
}

/**
 * At most one element per `interval`, always the newest: the upstream never
 * waits (a sliding buffer of one), and the last element is never lost.
 */
export const latestEvery =
  (interval: Duration.Duration) =>
  <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
    self.pipe(
      Stream.buffer({ capacity: 1, strategy: "sliding" }),
      Stream.throttle({ cost: () => 1, units: 1, duration: interval, strategy: "shape" })
    )

/** Moves the finished directory from staging to `<out>/<did>/<name>` (the next free name if taken meanwhile). */
export const place = (store: Store.Store, job: Job.Job, from: string) =>
  Effect.gen(function* () {
    const parent = path.join(store.out, job.parts.did)
    yield* Effect.tryPromise({
      // Not fs.mkdir's recursive mode: under /proc it loops forever on Node 20.
      try: () => ExportDirectory.makeDirectory(parent),
      catch: (e) =>
        new ExportFailed({ stage: "publish", message: `cannot create the account's folder: ${describe(e)}` })
    })
    for (let n = 1; n < 10_000; n++) {
      const parts = n === 1 ? job.parts : { did: job.parts.did, name: `${job.parts.name}_${n}` }
      if (n > 1 && !ExportId.isName(parts.name)) break
      if (yield* store.exists(parts)) continue
      const moved = yield* Effect.tryPromise({
        try: () =>
          fs.rename(from, path.join(parent, parts.name)).then(
            () => true,
            (e: NodeJS.ErrnoException) => {
              if (e.code === "ENOTEMPTY" || e.code === "EEXIST") return false // taken meanwhile
              throw e
            }
          ),
        catch: (e) => new ExportFailed({ stage: "publish", message: `cannot publish the export: ${describe(e)}` })
      })
      if (!moved) continue
      yield* ExportDirectory.syncDirectory(parent)
      // Rare: a process outside this server took the name; the job keeps its id in this process.
      job.parts = parts
      return
    }
    return yield* new ExportFailed({
      stage: "publish",
      message: `no free name for ${job.parts.name} in the account's folder`
    })
  })

/**
 * Runs the job's export in a staging folder, sending progress to its
 * watchers, and returns its Completed event; the staging folder is removed
 * whatever happens. Publishing is the caller's (see `place`).
 */
export const exportInStaging = (
  ctx: RunContext,
  job: Job.Job,
  publish: (done: Progress.Completed, staging: string) => Effect.Effect<void, ExportFailed>
): Effect.Effect<void, ExportFailed> => {
  const staging = ctx.store.staging()
  return Effect.acquireUseRelease(
    Effect.tryPromise({
      try: () => ExportDirectory.makeDirectory(staging),
      catch: (e) =>
        new ExportFailed({ stage: "prepare", message: `cannot create a folder in the output folder: ${describe(e)}` })
    }),
    () =>
      Effect.gen(function* () {
        let done: Progress.Completed | undefined
        const request = { ...job.prepared.request, out: staging }
        yield* Export.stream({ ...job.prepared, request }).pipe(
          Stream.provideService(Archive.Archive, ctx.archive),
          Stream.filterMap((event) => {
            if (event._tag === "Completed") done = event
            else if (event._tag === "Failed") job.snapshot = event.snapshot
            else if (!Job.sameProgress(job.snapshot, event.snapshot)) {
              job.snapshot = event.snapshot
              return Result.succeed(event.snapshot)
            }
            return Result.failVoid
          }),
          latestEvery(ctx.progressInterval),
          Stream.runForEach((snapshot) => Job.emit(job, "progress", snapshot))
        )
        if (done === undefined) {
          return yield* new ExportFailed({ stage: "publish", message: "the export ended without completing" })
        }
        yield* publish(done, staging)
      }),
    () => Effect.promise(() => fs.rm(staging, { recursive: true, force: true }))
  )
}
