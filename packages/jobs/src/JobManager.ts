/**
 * Export jobs, for any frontend (the HTTP server is one).
 *
 * - **Queue.** Jobs wait in an Effect `Queue` (FIFO, status `queued`);
 *   `maxRunning` workers take them in order, so at most that many run.
 * - **One per account.** A DID has at most one queued or running export.
 * - **Progress fan-out.** Each job's events go to any number of watchers
 *   through its `EventLog`; the last is `completed`, `failed` or `cancelled`.
 * - **Cancellation** interrupts the job's fiber: the core removes its
 *   temporary files, and nothing is published.
 * - **Publishing.** A job runs the core's export into a private staging
 *   folder and then moves the finished directory to `<out>/<did>/<name>`,
 *   where `<name>` was fixed when the export was requested. So its id never
 *   changes, and published directories alone are the record of completed
 *   exports (see `ExportId` and `Store`).
 * - **Exclusive writes.** `exclusive` (an import into the archive) waits
 *   until no export reads the archive and holds queued exports until it
 *   ends, so an export never sees a write in the middle of its snapshot
 *   (a running export keeps reading while nobody writes).
 * - **Access.** Every operation takes the caller's `Access`: an account-bound
 *   caller sees only its DID's exports; anything else is `ExportNotFound`,
 *   exactly as for an export that does not exist.
 */
import { Archive, Export, ExportFailed, FormatRegistry, InvalidRequest, Progress } from "@skyporter/core"
import { Cause, Clock, Context, Duration, Effect, Exit, Fiber, Layer, Queue, Semaphore, Stream } from "effect"
import * as fs from "node:fs/promises"
import * as Downloads from "./Downloads.js"
import { ExportInProgress, ExportNotCompleted, ExportNotFound, Forbidden, ShuttingDown } from "./Errors.js"
import * as ExportId from "./ExportId.js"
import * as Job from "./Job.js"
import * as Listing from "./Listing.js"
import {
  type Access,
  canSee,
  type Config,
  type Download,
  type JobEvent,
  type JobManagerShape,
  type ListRequest,
  type SubmitInput
} from "./Model.js"
import * as OutputFolder from "./OutputFolder.js"
import * as Runner from "./Runner.js"
import * as Store from "./Store.js"

export * from "./Model.js"

/** Completed jobs remembered (only so late watchers get the exact final event id). */
const KEEP_COMPLETED = 256

const notFound = (id: string) =>
  new ExportNotFound({ message: `no export with id ${JSON.stringify(id.slice(0, 100))}` })
const shuttingDown = () => new ShuttingDown({ message: "the server is shutting down; try again when it is back" })

const failureOf = (job: Job.Job, cause: Cause.Cause<unknown>): Progress.ProgressError => {
  const failure = Cause.squash(cause)
  if (failure instanceof ExportFailed) {
    return {
      stage: failure.stage,
      ...(failure.batch === undefined ? {} : { batch: failure.batch }),
      message: failure.message
    }
  }
  const message = failure instanceof Error ? failure.message : String(failure)
  return job.snapshot.error ?? { stage: "publish", message: `internal error: ${message}` }
}

export const make = Effect.fn("JobManager.make")(function* (config: Config) {
  const archive = yield* Archive.Archive
  const registry = yield* FormatRegistry.FormatRegistry
  const scope = yield* Effect.scope
  const store = Store.make(config.out)
  const keepFailed = Math.max(0, config.keepFailed ?? 100)
  const log = config.log ?? (() => {})
  const run: Runner.RunContext = {
    archive,
    store,
    progressInterval: Duration.millis(Math.max(0, config.progressIntervalMillis ?? 100))
  }
  const downloads = Downloads.make(store, Math.max(1, config.maxDownloadsPerDid ?? 10))

  yield* OutputFolder.ensure(config.out).pipe(
    Effect.mapError((e) => new InvalidRequest({ field: "out", message: e.message }))
  )
  for (const p of yield* store.sweep) log(`removed leftover ${p}`)

  /** Queued, running, failed and (while the server runs, after a shutdown) cancelled jobs. */
  const jobs = new Map<string, Job.Job>()
  /** Recently completed jobs, by id: late watchers get their exact final event. */
  const completed = new Map<string, Job.Job>()
  const waiting = yield* Queue.unbounded<Job.Job>()
  let closing = false

  const log_ = (job: Job.Job, what: string) => log(`export ${job.id} (${job.parts.did}, ${job.format}) ${what}`)

  /** Resolves an id the caller may see; undefined otherwise. */
  const resolve = (id: string, access: Access): ExportId.Parts | undefined => {
    const job = jobs.get(id) ?? completed.get(id)
    const parts = job?.parts ?? ExportId.decode(id)
    if (parts === undefined || !canSee(access, parts.did) || downloads.isHidden(id)) return undefined
    return parts
  }

  const cancelled = (job: Job.Job) =>
    Effect.gen(function* () {
      job.status = "cancelled"
      yield* Job.emit(job, "cancelled", { ...job.snapshot, status: "cancelled" })
      log_(job, "cancelled")
      // Kept while the server runs only when cancelled by a shutdown; a removed job is gone.
      if (job.removed) jobs.delete(job.id)
    })

  const trimFailed = () => {
    const failed = [...jobs.values()].filter((j) => j.status === "failed")
    for (const job of failed.slice(0, Math.max(0, failed.length - keepFailed))) jobs.delete(job.id)
  }

  /** Published in place, the job is complete: a cancel that comes now waits, then deletes it. */
  const publish = (job: Job.Job) => (done: Progress.Completed, staging: string) =>
    Effect.uninterruptible(
      Effect.gen(function* () {
        yield* Runner.place(store, job, done.path)
        yield* Effect.promise(() => fs.rm(staging, { recursive: true, force: true }))
        job.status = "completed"
        jobs.delete(job.id)
        completed.set(job.id, job)
        if (completed.size > KEEP_COMPLETED) completed.delete(completed.keys().next().value!)
        yield* Job.emit(job, "completed", done.snapshot)
        log_(job, `completed: ${done.manifest.post_count} posts`)
      })
    )

  const runJob = (job: Job.Job): Effect.Effect<void> =>
    Effect.gen(function* () {
      job.status = "running"
      job.startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
      yield* Job.emit(job, "progress", { ...job.snapshot, status: "running" })
      log_(job, "started")
      yield* Runner.exportInStaging(run, job, publish(job))
    }).pipe(
      Effect.onExit((exit) => {
        if (Exit.isSuccess(exit) || job.status === "completed") return Effect.void
        if (Cause.hasInterruptsOnly(exit.cause)) return cancelled(job)
        const error = failureOf(job, exit.cause)
        job.status = "failed"
        return Effect.andThen(
          Job.emit(job, "failed", { ...job.snapshot, status: "failed", error }),
          Effect.sync(() => {
            log_(job, `failed: ${error.message}`)
            trimFailed()
          })
        )
      }),
      Effect.exit,
      Effect.asVoid
    )

  const maxRunning = Math.max(1, config.maxRunning ?? 2)
  // A readers-writer lock on the archive: an export holds one permit, a
  // writer all of them. A waiting writer holds the turnstile, so exports
  // that come after it wait behind it instead of overtaking it.
  const gate = yield* Semaphore.make(maxRunning)
  const turnstile = yield* Semaphore.make(1)

  /** One of `maxRunning` workers: takes the oldest waiting job and runs it to its end. */
  const worker = Effect.forever(
    Effect.gen(function* () {
      const job = yield* Queue.take(waiting)
      if (closing || job.status !== "queued") return // cancelled while it waited
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* turnstile.withPermit(gate.takeScoped(1))
          if (closing || job.status !== "queued") return // cancelled while a write went on
          job.fiber = yield* Effect.forkIn(runJob(job), scope, { startImmediately: true })
          yield* Fiber.await(job.fiber)
        })
      )
    })
  )

  const exclusive = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ShuttingDown, R> =>
    Effect.suspend((): Effect.Effect<A, E | ShuttingDown, R> =>
      closing
        ? Effect.fail(shuttingDown())
        : Effect.acquireUseRelease(
            turnstile.withPermit(gate.take(maxRunning)),
            () => effect,
            () => gate.release(maxRunning)
          )
    )

  const workers = yield* Effect.forEach(Array.from({ length: maxRunning }), () =>
    Effect.forkIn(worker, scope, { startImmediately: true })
  )

  /** A name for a new export of `did`, after the request time: free on disk and among this DID's jobs. */
  const freeName = (did: string) =>
    Effect.gen(function* () {
      const now = new Date(yield* Clock.currentTimeMillis)
      const inMemory = new Set(
        [...jobs.values(), ...completed.values()].filter((j) => j.parts.did === did).map((j) => j.parts.name)
      )
      for (let n = 1; n < 100_000; n++) {
        const candidate = { did, name: ExportId.nameAt(now, n) }
        if (!inMemory.has(candidate.name) && !(yield* store.exists(candidate))) return candidate
      }
      return yield* new InvalidRequest({ field: "did", message: "no free export name" })
    })

  const submit = Effect.fn("JobManager.submit")(function* (input: SubmitInput, access: Access) {
    if (closing) return yield* shuttingDown()
    const prepared = yield* Export.prepare({
      did: input.did,
      format: input.format,
      options: config.formatOptions?.(registry.nameOf(input.format)),
      since: input.since,
      until: input.until,
      out: store.out,
      media: input.includeMedia ?? false,
      mediaRoot: input.includeMedia ? config.mediaRoot : undefined,
      batchSize: config.batchSize,
      threads: config.threads
    }).pipe(Effect.provideService(FormatRegistry.FormatRegistry, registry))
    if (!canSee(access, input.did)) {
      return yield* new Forbidden({ message: `this token may only export ${access.did}, not ${input.did}` })
    }
    const busy = () => {
      const job = [...jobs.values()].find((j) => j.parts.did === input.did && Job.isActive(j))
      return job === undefined
        ? Effect.void
        : Effect.fail(
            new ExportInProgress({
              did: input.did,
              id: job.id,
              message: `${input.did} already has an export ${job.status} (${job.id}); wait for it to finish or delete it`
            })
          )
    }
    yield* busy()
    const parts = yield* freeName(input.did)
    // Checked again: another request for this DID may have been accepted while the disk was read.
    yield* busy()
    if (closing) return yield* shuttingDown()
    const job = yield* Job.make(parts, prepared)
    completed.delete(job.id)
    jobs.set(job.id, job)
    yield* Job.emit(job, "progress", Progress.initial)
    log_(job, "queued")
    yield* Queue.offer(waiting, job)
    // A free worker starts it now, so the answer already says "running".
    yield* Effect.yieldNow
    return Job.item(job)
  })

  const list = Effect.fn("JobManager.list")(function* (request: ListRequest, access: Access) {
    return yield* Listing.page({ store, downloads, jobs, completed }, request, access)
  })

  const get = Effect.fn("JobManager.get")(function* (id: string, access: Access) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id)
    if (job) return Job.item(job)
    const published = yield* store.read(parts)
    if (published === undefined) return yield* notFound(id)
    return { ...Job.publishedItem(id, published, completed.get(id)?.startedAt), manifest: published.manifest }
  })

  const watch = Effect.fn("JobManager.watch")(function* (id: string, access: Access, lastEventId?: number) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id) ?? completed.get(id)
    if (job !== undefined) return job.events.watch(lastEventId ?? 0)
    const published = yield* store.read(parts)
    if (published === undefined) return yield* notFound(id)
    return Stream.succeed<JobEvent>({ seq: 1, type: "completed", snapshot: Job.publishedSnapshot(published.manifest) })
  })

  const remove = Effect.fn("JobManager.remove")(function* (id: string, access: Access) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id)
    if (job !== undefined && job.status === "queued") {
      job.removed = true
      return yield* cancelled(job)
    }
    if (job !== undefined && job.status === "running") {
      job.removed = true
      if (job.fiber) yield* Fiber.interrupt(job.fiber)
      // Interrupted while it was being published: it is complete, and deleted as asked.
      if ((job.status as Progress.Status) === "completed") {
        completed.delete(id)
        yield* downloads.remove(id, job.parts)
      }
      jobs.delete(id)
      return
    }
    if (job !== undefined) {
      jobs.delete(id)
      return
    }
    completed.delete(id)
    if (!(yield* downloads.remove(id, parts))) return yield* notFound(id)
  })

  const download = Effect.fn("JobManager.download")(function* (
    id: string,
    access: Access,
    options?: { readonly deleteAfter?: boolean | undefined }
  ) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id)
    if (job !== undefined) {
      return yield* new ExportNotCompleted({
        status: job.status,
        message: `export ${id} is ${job.status}: only a completed export can be downloaded`
      })
    }
    const published = yield* store.read(parts)
    if (published === undefined) return yield* notFound(id)
    const lease = yield* downloads.hold(id, published, options?.deleteAfter ?? false)
    return {
      id,
      did: published.did,
      name: published.name,
      dir: published.dir,
      manifest: published.manifest,
      sent: lease.sent
    } satisfies Download as Download
  })

  const shutdown = Effect.gen(function* () {
    closing = true
    yield* Fiber.interruptAll(workers)
    for (const job of jobs.values()) if (job.status === "queued") yield* cancelled(job)
    const fibers = [...jobs.values()].flatMap((j) => (j.status === "running" && j.fiber ? [j.fiber] : []))
    yield* Fiber.interruptAll(fibers)
  }).pipe(Effect.withSpan("JobManager.shutdown"))

  return {
    submit,
    list,
    get,
    watch,
    remove,
    download,
    exclusive,
    shutdown
  } satisfies JobManagerShape as JobManagerShape
})

export class JobManager extends Context.Service<JobManager, JobManagerShape>()("@skyporter/jobs/JobManager") {
  /**
   * A manager for `config`, on the archive and registry of the context. It
   * sweeps leftover temporary folders when built, and cancels every queued
   * and running export when released.
   */
  static readonly layer = (
    config: Config
  ): Layer.Layer<JobManager, InvalidRequest, Archive.Archive | FormatRegistry.FormatRegistry> =>
    Layer.effect(
      JobManager,
      Effect.gen(function* () {
        const manager = yield* make(config)
        yield* Effect.addFinalizer(() => manager.shutdown)
        return manager
      })
    )
}
