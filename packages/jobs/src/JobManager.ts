/**
 * Export jobs, for any frontend (the HTTP server is one).
 *
 * - **Queue.** At most `maxRunning` exports run at once; the others wait in
 *   FIFO order with status `queued`.
 * - **One per account.** A DID has at most one queued or running export.
 * - **Progress fan-out.** Every job numbers its events (`seq`) and keeps the
 *   last ones, so any number of watchers follow it, join late, or resume
 *   after a given event; each event carries the whole snapshot, so a watcher
 *   that falls behind only skips to the newest. The last event is always one
 *   of `completed`, `failed` or `cancelled`.
 * - **Cancellation** interrupts the job's fiber: the core removes its
 *   temporary files, and nothing is published.
 * - **Publishing.** A job runs the core's export into a private staging
 *   folder and then moves the finished directory to `<out>/<did>/<name>`,
 *   where `<name>` was fixed when the export was requested. So its id never
 *   changes, and published directories alone are the record of completed
 *   exports (see `ExportId` and `Store`).
 * - **Access.** Every operation takes the caller's `Access`: an account-bound
 *   caller sees only its DID's exports; anything else is `ExportNotFound`,
 *   exactly as for an export that does not exist.
 */
import {
  Archive,
  Export,
  ExportDirectory,
  describe,
  ExportFailed,
  FormatRegistry,
  InvalidRequest,
  type Manifest,
  Progress
} from "@skyporter/core"
import { Cause, Context, Effect, Exit, Fiber, Layer, Option, Scope, Stream } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import {
  ExportInProgress,
  ExportNotCompleted,
  ExportNotFound,
  Forbidden,
  ShuttingDown,
  TooManyDownloads
} from "./Errors.js"
import * as ExportId from "./ExportId.js"
import * as OutputFolder from "./OutputFolder.js"
import * as Store from "./Store.js"

// ---------------------------------------------------------------------------
// Public types

/** Who is asking: an account (`did`) or everyone (`"*"`). */
export interface Access {
  readonly did: string
}

/** Full access, for a server without authentication. */
export const ALL: Access = { did: "*" }

export const canSee = (access: Access, did: string): boolean => access.did === "*" || access.did === did

export interface SubmitInput {
  readonly did: string
  readonly format: string
  readonly since?: string | undefined
  readonly until?: string | undefined
  /** Copy the posts' media files into the export. */
  readonly includeMedia?: boolean | undefined
}

/** Final statuses: the job's last event. */
export type FinalType = "completed" | "failed" | "cancelled"

export interface JobEvent {
  /** 1, 2, 3, … per job. */
  readonly seq: number
  readonly type: "progress" | FinalType
  readonly snapshot: Progress.ProgressSnapshot
}

/** An export as frontends show it. Field names are the wire format. */
export interface ExportItem {
  readonly id: string
  readonly did: string
  readonly format: string
  readonly status: Progress.Status
  /** When it was requested (its directory's name), RFC 3339 UTC to the second. */
  readonly created_at: string
  readonly started_at: string | null
  readonly completed_at: string | null
  /** From the manifest, once completed. */
  readonly post_count: number | null
  readonly media_count: number | null
  readonly size_bytes: number | null
  readonly date_range: { readonly since: string | null; readonly until: string | null }
  readonly progress: Progress.ProgressSnapshot
  /** Only on a single completed export (`get`). */
  readonly manifest?: Manifest.Manifest
}

export interface ListRequest {
  readonly did?: string | undefined
  /** 1 to 100. */
  readonly limit: number
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined
}

export interface ListPage {
  /** Newest first. */
  readonly items: ReadonlyArray<ExportItem>
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

export interface Download {
  readonly id: string
  readonly did: string
  /** The directory's name (`YYYY-MM-DD_HH-MM-SS`). */
  readonly name: string
  /** The export directory, to stream. */
  readonly dir: string
  readonly manifest: Manifest.Manifest
  /**
   * Call once every byte reached the client. With `deleteAfter`, the export
   * is then deleted when the download's scope closes (after any other
   * download of it ends); without this call it never is.
   */
  readonly sent: Effect.Effect<void>
}

export interface Config {
  /** The output folder (`<out>/<did>/<name>/`). */
  readonly out: string
  /** Options for a format (from a config file), by format name. */
  readonly formatOptions?: ((format: string) => unknown) | undefined
  /** Exports running at once (default 2). */
  readonly maxRunning?: number | undefined
  /** Downloads in flight per DID (default 10). */
  readonly maxDownloadsPerDid?: number | undefined
  /** With include_media: the folder media paths resolve against (default: the archive's folder). */
  readonly mediaRoot?: string | undefined
  /** Failed exports remembered for display (default 100; they are not on disk). */
  readonly keepFailed?: number | undefined
  /** Least time between two progress events of a job (default 100 ms; the final event is never held back). */
  readonly progressIntervalMillis?: number | undefined
  /** Passed to the core (tests use small batches for many progress events). */
  readonly batchSize?: number | undefined
  /** One line per job transition (queued, started, completed, failed, cancelled). */
  readonly log?: ((line: string) => void) | undefined
}

export interface JobManagerShape {
  readonly submit: (input: SubmitInput, access: Access) => Effect.Effect<
    ExportItem,
    InvalidRequest | ExportInProgress | Forbidden | ShuttingDown
  >
  readonly list: (request: ListRequest, access: Access) => Effect.Effect<ListPage, InvalidRequest>
  readonly get: (id: string, access: Access) => Effect.Effect<ExportItem, ExportNotFound>
  /**
   * The job's events after `lastEventId` (0 or undefined: from its newest
   * event, the current state), ending after the final event. After the end
   * and without `lastEventId`, the final event alone.
   */
  readonly watch: (
    id: string,
    access: Access,
    lastEventId?: number | undefined
  ) => Effect.Effect<Stream.Stream<JobEvent>, ExportNotFound>
  /** Cancels a queued or running export (waiting for its cleanup), or deletes a finished one. */
  readonly remove: (id: string, access: Access) => Effect.Effect<void, ExportNotFound>
  /** A completed export to stream, counted against the DID's download limit while the scope is open. */
  readonly download: (
    id: string,
    access: Access,
    options?: { readonly deleteAfter?: boolean | undefined }
  ) => Effect.Effect<Download, ExportNotFound | ExportNotCompleted | TooManyDownloads, Scope.Scope>
  /** Cancels every queued and running export and refuses new ones; waits for the cleanup. */
  readonly shutdown: Effect.Effect<void>
}

// ---------------------------------------------------------------------------
// Jobs in memory

/** Events kept per job for resuming watchers; older ones are summed up by the newest snapshot. */
const HISTORY = 64
/** Completed jobs remembered (only so late watchers get the exact final event id). */
const KEEP_COMPLETED = 256

interface Job {
  readonly id: string
  parts: ExportId.Parts
  readonly format: string
  readonly dateRange: { readonly since: string | null; readonly until: string | null }
  readonly prepared: Export.PreparedRequest
  status: Progress.Status
  snapshot: Progress.ProgressSnapshot
  startedAt: string | null
  seq: number
  readonly history: Array<JobEvent>
  final: JobEvent | undefined
  readonly waiters: Set<() => void>
  fiber: Fiber.Fiber<void> | undefined
  /** When the last progress event went out, and the newer snapshot waiting for the interval to pass. */
  lastProgressAt: number
  pending: Progress.ProgressSnapshot | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  /** Set by `remove` before interrupting: the job disappears instead of staying as cancelled. */
  removed: boolean
  published: Store.Published | undefined
}

const isActive = (job: Job) => job.status === "queued" || job.status === "running"

const emit = (job: Job, type: JobEvent["type"], snapshot: Progress.ProgressSnapshot): void => {
  if (job.timer !== undefined) clearTimeout(job.timer)
  job.timer = undefined
  job.pending = undefined
  job.lastProgressAt = Date.now()
  job.snapshot = snapshot
  const event: JobEvent = { seq: ++job.seq, type, snapshot }
  job.history.push(event)
  if (job.history.length > HISTORY) job.history.splice(0, job.history.length - HISTORY)
  if (type !== "progress") job.final = event
  const waiters = [...job.waiters]
  job.waiters.clear()
  for (const wake of waiters) wake()
}

/**
 * A progress snapshot, sent at most once per `interval` ms: a newer one
 * within the interval waits for its end, replacing any waiting before it, so
 * watchers always end up with the latest numbers at a bounded event rate.
 */
const progress = (job: Job, snapshot: Progress.ProgressSnapshot, interval: number): void => {
  const wait = job.lastProgressAt + interval - Date.now()
  if (wait <= 0 || snapshot.status !== job.snapshot.status) return emit(job, "progress", snapshot)
  job.snapshot = snapshot
  job.pending = snapshot
  job.timer ??= setTimeout(() => {
    job.timer = undefined
    if (job.pending !== undefined && job.final === undefined) emit(job, "progress", job.pending)
  }, wait)
}

/** Waits until the job emits another event. */
const changed = (job: Job): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const wake = () => resume(Effect.void)
    job.waiters.add(wake)
    return Effect.sync(() => job.waiters.delete(wake))
  })

const sameProgress = (a: Progress.ProgressSnapshot, b: Progress.ProgressSnapshot) =>
  a.posts_processed === b.posts_processed && a.posts_total === b.posts_total &&
  a.media_copied === b.media_copied && a.media_total === b.media_total && a.status === b.status

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/** The snapshot of a published export, for watchers that come after the job left memory. */
const publishedSnapshot = (manifest: Manifest.Manifest): Progress.ProgressSnapshot => ({
  posts_processed: manifest.post_count,
  posts_total: manifest.post_count,
  media_copied: manifest.media_count,
  media_total: manifest.media_count,
  status: "completed",
  error: null
})

const jobItem = (job: Job): ExportItem => ({
  id: job.id,
  did: job.parts.did,
  format: job.format,
  status: job.status,
  created_at: ExportId.createdAt(job.parts.name),
  started_at: job.startedAt,
  completed_at: null,
  post_count: null,
  media_count: null,
  size_bytes: null,
  date_range: job.dateRange,
  progress: job.snapshot
})

const publishedItem = (id: string, p: Store.Published, startedAt: string | null = null): ExportItem => ({
  id,
  did: p.did,
  format: p.manifest.export_format,
  status: "completed",
  created_at: ExportId.createdAt(p.name),
  started_at: startedAt ?? p.manifest.export_timestamp,
  completed_at: p.completedAt,
  post_count: p.manifest.post_count,
  media_count: p.manifest.media_count,
  size_bytes: p.sizeBytes,
  date_range: p.manifest.date_range,
  progress: publishedSnapshot(p.manifest)
})

/** Folder names longer than this cannot exist on common filesystems (ext4, APFS, NTFS, …). */
export const MAX_NAME_BYTES = 255

/** The DID names the account's export folder, so it must fit in one folder name. */
const checkFolderName = (did: string): Effect.Effect<void, InvalidRequest> =>
  typeof did === "string" && Buffer.byteLength(did, "utf8") > MAX_NAME_BYTES
    ? Effect.fail(
      new InvalidRequest({
        field: "did",
        message: `invalid did: ${Buffer.byteLength(did, "utf8")} bytes long, but its export folder is named after it ` +
          `and a folder name holds at most ${MAX_NAME_BYTES} bytes`
      })
    )
    : Effect.void

const notFound = (id: string) =>
  new ExportNotFound({ message: `no export with id ${JSON.stringify(id.slice(0, 100))}` })

// ---------------------------------------------------------------------------
// The manager

export const make = Effect.fn("JobManager.make")(function*(config: Config) {
  const archive = yield* Archive.Archive
  const registry = yield* FormatRegistry.FormatRegistry
  const scope = yield* Effect.scope
  const store = Store.make(config.out)
  const maxRunning = Math.max(1, config.maxRunning ?? 2)
  const maxDownloads = Math.max(1, config.maxDownloadsPerDid ?? 10)
  const keepFailed = Math.max(0, config.keepFailed ?? 100)
  const progressInterval = Math.max(0, config.progressIntervalMillis ?? 100)
  const log = config.log ?? (() => {})

  yield* OutputFolder.ensure(config.out).pipe(
    Effect.mapError((e) => new InvalidRequest({ field: "out", message: e.message }))
  )
  const swept = yield* store.sweep
  for (const p of swept) log(`removed leftover ${p}`)

  /** Queued, running, failed and (briefly, while watchers finish) cancelled jobs. */
  const jobs = new Map<string, Job>()
  const queue: Array<Job> = []
  let running = 0
  let closing = false
  /** Recently completed jobs, by id: late watchers get their exact final event. */
  const completed = new Map<string, Job>()
  /** Downloads in flight per DID. */
  const downloads = new Map<string, number>()
  /** Downloads in flight per export directory, and whether it is to be deleted when they end. */
  const leases = new Map<string, { count: number; deleteWhenDone: boolean }>()
  /** Completed exports deleted (or being deleted) while downloads still read them: invisible. */
  const hidden = new Set<string>()

  const log_ = (job: Job, what: string) => log(`export ${job.id} (${job.parts.did}, ${job.format}) ${what}`)

  /** Resolves an id the caller may see; undefined otherwise. */
  const resolve = (id: string, access: Access): ExportId.Parts | undefined => {
    const job = jobs.get(id) ?? completed.get(id)
    const parts = job?.parts ?? ExportId.decode(id)
    if (parts === undefined || !canSee(access, parts.did) || hidden.has(id)) return undefined
    return parts
  }

  // -- running jobs ---------------------------------------------------------

  /** Moves the finished directory from staging to `<out>/<did>/<name>` (the next free name if taken meanwhile). */
  const place = (job: Job, from: string) =>
    Effect.gen(function*() {
      const parent = path.join(store.out, job.parts.did)
      yield* Effect.tryPromise({
        try: () => fs.mkdir(parent, { recursive: true }),
        catch: (e) => new ExportFailed({ stage: "publish", message: `cannot create the account's folder: ${describe(e)}` })
      })
      for (let n = 1; n < 10_000; n++) {
        const parts = n === 1 ? job.parts : { did: job.parts.did, name: `${job.parts.name}_${n}` }
        if (n > 1 && !ExportId.isName(parts.name)) break
        if (yield* store.exists(parts)) continue
        const moved = yield* Effect.tryPromise({
          try: () =>
            fs.rename(from, path.join(parent, parts.name)).then(() => true, (e: NodeJS.ErrnoException) => {
              if (e.code === "ENOTEMPTY" || e.code === "EEXIST") return false // taken meanwhile
              throw e
            }),
          catch: (e) => new ExportFailed({ stage: "publish", message: `cannot publish the export: ${describe(e)}` })
        })
        if (!moved) continue
        yield* ExportDirectory.syncDirectory(parent)
        // Rare: a process outside this server took the name; the job keeps its id in this process.
        job.parts = parts
        return
      }
      return yield* new ExportFailed({ stage: "publish", message: `no free name for ${job.parts.name} in the account's folder` })
    })

  const runJob = (job: Job): Effect.Effect<void> =>
    Effect.gen(function*() {
      job.status = "running"
      job.startedAt = new Date().toISOString()
      emit(job, "progress", { ...job.snapshot, status: "running" })
      log_(job, "started")
      const staging = store.staging()
      yield* Effect.acquireUseRelease(
        Effect.tryPromise({
          try: () => fs.mkdir(staging, { recursive: true }),
          catch: (e) => new ExportFailed({ stage: "prepare", message: `cannot create a folder in the output folder: ${describe(e)}` })
        }),
        () =>
          Effect.gen(function*() {
            let done: Progress.Completed | undefined
            const request = { ...job.prepared.request, out: staging }
            yield* Export.stream({ ...job.prepared, request }).pipe(
              Stream.provideService(Archive.Archive, archive),
              Stream.runForEach((event) =>
                Effect.sync(() => {
                  if (event._tag === "Completed") done = event
                  else if (event._tag !== "Failed" && !sameProgress(job.snapshot, event.snapshot)) {
                    progress(job, event.snapshot, progressInterval)
                  } else if (event._tag === "Failed") job.snapshot = event.snapshot
                })
              )
            )
            if (done === undefined) {
              return yield* new ExportFailed({ stage: "publish", message: "the export ended without completing" })
            }
            const finished = done
            // Published in place, the job is complete: a cancel that comes now waits, then deletes it.
            yield* Effect.uninterruptible(Effect.gen(function*() {
              yield* place(job, finished.path)
              yield* Effect.promise(() => fs.rm(staging, { recursive: true, force: true }))
              job.published = yield* store.read(job.parts)
              job.status = "completed"
              jobs.delete(job.id)
              completed.set(job.id, job)
              if (completed.size > KEEP_COMPLETED) completed.delete(completed.keys().next().value!)
              emit(job, "completed", finished.snapshot)
              log_(job, `completed: ${finished.manifest.post_count} posts`)
            }))
          }),
        () => Effect.promise(() => fs.rm(staging, { recursive: true, force: true }))
      )
    }).pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          running--
          if (Exit.isSuccess(exit) || job.status === "completed") return
          if (Cause.hasInterruptsOnly(exit.cause)) {
            cancelled(job)
            return
          }
          const failure = Cause.squash(exit.cause)
          const error = failure instanceof ExportFailed
            ? { stage: failure.stage, ...(failure.batch === undefined ? {} : { batch: failure.batch }), message: failure.message }
            : job.snapshot.error ?? { stage: "publish" as const, message: `internal error: ${describeCause(exit.cause)}` }
          job.status = "failed"
          emit(job, "failed", { ...job.snapshot, status: "failed", error })
          log_(job, `failed: ${error.message}`)
          trimFailed()
        })
      ),
      Effect.ensuring(Effect.suspend(() => pump)),
      Effect.exit,
      Effect.asVoid
    )

  const cancelled = (job: Job) => {
    job.status = "cancelled"
    emit(job, "cancelled", { ...job.snapshot, status: "cancelled" })
    log_(job, "cancelled")
    // Kept while the server runs only when cancelled by a shutdown; a removed job is gone.
    if (job.removed) jobs.delete(job.id)
  }

  const trimFailed = () => {
    const failed = [...jobs.values()].filter((j) => j.status === "failed")
    for (const job of failed.slice(0, Math.max(0, failed.length - keepFailed))) jobs.delete(job.id)
  }

  /** Starts queued jobs while there is room. */
  const pump: Effect.Effect<void> = Effect.gen(function*() {
    while (!closing && running < maxRunning && queue.length > 0) {
      const job = queue.shift()!
      running++
      job.fiber = yield* Effect.forkIn(runJob(job), scope, { startImmediately: true })
    }
  })

  // -- operations -----------------------------------------------------------

  const submit = Effect.fn("JobManager.submit")(function*(input: SubmitInput, access: Access) {
    if (closing) return yield* new ShuttingDown({ message: "the server is shutting down; try again when it is back" })
    yield* checkFolderName(input.did)
    const prepared = yield* Export.prepare({
      did: input.did,
      format: input.format,
      options: config.formatOptions?.(input.format),
      since: input.since,
      until: input.until,
      out: store.out,
      media: input.includeMedia ?? false,
      mediaRoot: input.includeMedia ? config.mediaRoot : undefined,
      batchSize: config.batchSize
    }).pipe(Effect.provideService(FormatRegistry.FormatRegistry, registry))
    if (!canSee(access, input.did)) {
      return yield* new Forbidden({ message: `this token may only export ${access.did}, not ${input.did}` })
    }
    const busy = () => [...jobs.values()].find((j) => j.parts.did === input.did && isActive(j))
    const inProgress = (job: Job) =>
      new ExportInProgress({
        did: input.did,
        id: job.id,
        message: `${input.did} already has an export ${job.status} (${job.id}); wait for it to finish or delete it`
      })
    const first = busy()
    if (first) return yield* inProgress(first)

    // The directory name is fixed now, after the request time: free on disk and among this DID's jobs.
    const now = new Date()
    const inMemory = new Set([...jobs.values(), ...completed.values()].filter((j) => j.parts.did === input.did).map((j) => j.parts.name))
    let parts: ExportId.Parts | undefined
    for (let n = 1; n < 100_000 && parts === undefined; n++) {
      const candidate = { did: input.did, name: ExportId.nameAt(now, n) }
      if (!inMemory.has(candidate.name) && !(yield* store.exists(candidate))) parts = candidate
    }
    if (parts === undefined) return yield* new InvalidRequest({ field: "did", message: "no free export name" })
    // Checked again: another request for this DID may have been accepted while the disk was read.
    const raced = busy()
    if (raced) return yield* inProgress(raced)
    if (closing) return yield* new ShuttingDown({ message: "the server is shutting down; try again when it is back" })

    const id = ExportId.encode(parts)
    const job: Job = {
      id,
      parts,
      format: prepared.plugin.name,
      dateRange: prepared.range.requested,
      prepared,
      status: "queued",
      snapshot: Progress.initial,
      startedAt: null,
      seq: 0,
      history: [],
      final: undefined,
      waiters: new Set(),
      fiber: undefined,
      lastProgressAt: 0,
      pending: undefined,
      timer: undefined,
      removed: false,
      published: undefined
    }
    completed.delete(id)
    jobs.set(id, job)
    queue.push(job)
    emit(job, "progress", Progress.initial)
    log_(job, "queued")
    yield* pump
    return jobItem(job)
  })

  const itemOf = (id: string, parts: ExportId.Parts) =>
    Effect.gen(function*() {
      const job = jobs.get(id)
      if (job) return jobItem(job)
      const published = yield* store.read(parts)
      if (published === undefined) return undefined
      return publishedItem(id, published, completed.get(id)?.startedAt)
    })

  const list = Effect.fn("JobManager.list")(function*(request: ListRequest, access: Access) {
    const empty: ListPage = { items: [], nextCursor: null }
    if (access.did !== "*" && request.did !== undefined && request.did !== access.did) return empty
    const did = access.did === "*" ? request.did : access.did
    let after: { key: string; id: string } | undefined
    if (request.cursor !== undefined) {
      const parts = ExportId.decode(request.cursor)
      if (parts === undefined) {
        return yield* new InvalidRequest({
          field: "cursor",
          message: "invalid cursor: pass the next_cursor of the previous page unchanged"
        })
      }
      after = { key: ExportId.sortKey(parts.name), id: request.cursor }
    }
    const candidates = new Map<string, ExportId.Parts>()
    for (const parts of yield* store.names(did)) candidates.set(ExportId.encode(parts), parts)
    for (const job of jobs.values()) if (did === undefined || job.parts.did === did) candidates.set(job.id, job.parts)
    const ordered = [...candidates]
      .filter(([id]) => !hidden.has(id))
      .map(([id, parts]) => ({ id, parts, key: ExportId.sortKey(parts.name) }))
      .sort((a, b) => (a.key === b.key ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.key < b.key ? 1 : -1))
      .filter((c) => after === undefined || c.key < after.key || (c.key === after.key && c.id < after.id))
    const items: Array<ExportItem> = []
    let i = 0
    for (; i < ordered.length && items.length < request.limit; i++) {
      const item = yield* itemOf(ordered[i]!.id, ordered[i]!.parts)
      if (item !== undefined) items.push(item)
    }
    return { items, nextCursor: i < ordered.length && items.length > 0 ? items[items.length - 1]!.id : null }
  })

  const get = Effect.fn("JobManager.get")(function*(id: string, access: Access) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id)
    if (job) return jobItem(job)
    const published = yield* store.read(parts)
    if (published === undefined) return yield* notFound(id)
    return { ...publishedItem(id, published, completed.get(id)?.startedAt), manifest: published.manifest }
  })

  const watch = Effect.fn("JobManager.watch")(function*(id: string, access: Access, lastEventId?: number) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id) ?? completed.get(id)
    if (job === undefined) {
      const published = yield* store.read(parts)
      if (published === undefined) return yield* notFound(id)
      return Stream.succeed<JobEvent>({ seq: 1, type: "completed", snapshot: publishedSnapshot(published.manifest) })
    }
    const step = (cursor: number): Effect.Effect<readonly [ReadonlyArray<JobEvent>, Option.Option<number>]> =>
      Effect.suspend(() => {
        // A new watcher starts from the current state (the newest event); a resuming one gets what it missed.
        // History holds consecutive seqs, so the events after `cursor` start at a known index.
        const fresh = cursor === 0 ? job.history.slice(-1) : job.history.slice(Math.max(0, cursor - job.history[0]!.seq + 1))
        if (job.final !== undefined) return Effect.succeed([fresh.length > 0 ? fresh : [job.final], Option.none()] as const)
        if (fresh.length > 0) return Effect.succeed([fresh, Option.some(fresh[fresh.length - 1]!.seq)] as const)
        return Effect.flatMap(changed(job), () => step(cursor))
      })
    return Stream.paginate(Math.max(0, lastEventId ?? 0), step)
  })

  /** Deletes a published export now, or when the downloads reading it end. */
  const deletePublished = (id: string, parts: ExportId.Parts) =>
    Effect.gen(function*() {
      const lease = leases.get(path.join(store.out, parts.did, parts.name))
      completed.delete(id)
      if (lease !== undefined && lease.count > 0) {
        lease.deleteWhenDone = true
        hidden.add(id)
        return true
      }
      hidden.add(id)
      const removed = yield* store.remove(parts)
      hidden.delete(id)
      return removed
    }).pipe(Effect.uninterruptible)

  const remove = Effect.fn("JobManager.remove")(function*(id: string, access: Access) {
    const parts = resolve(id, access)
    if (parts === undefined) return yield* notFound(id)
    const job = jobs.get(id)
    if (job !== undefined && job.status === "queued") {
      job.removed = true
      queue.splice(queue.indexOf(job), 1)
      cancelled(job)
      return
    }
    if (job !== undefined && job.status === "running") {
      job.removed = true
      if (job.fiber) yield* Fiber.interrupt(job.fiber)
      // Interrupted while it was being published: it is complete, and deleted as asked.
      if ((job.status as Progress.Status) === "completed") yield* deletePublished(id, job.parts)
      jobs.delete(id)
      return
    }
    if (job !== undefined) {
      jobs.delete(id)
      return
    }
    if (!(yield* deletePublished(id, parts))) return yield* notFound(id)
  })

  const download = Effect.fn("JobManager.download")(function*(
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
    const did = published.did
    let sent = false
    yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const count = downloads.get(did) ?? 0
        if (count >= maxDownloads) {
          return Effect.fail(
            new TooManyDownloads({
              limit: maxDownloads,
              message: `${did} already has ${maxDownloads} downloads in progress; wait for one to finish`
            })
          )
        }
        downloads.set(did, count + 1)
        const lease = leases.get(published.dir) ?? { count: 0, deleteWhenDone: false }
        lease.count++
        leases.set(published.dir, lease)
        return Effect.void
      }),
      () =>
        Effect.gen(function*() {
          const count = (downloads.get(did) ?? 1) - 1
          if (count === 0) downloads.delete(did)
          else downloads.set(did, count)
          const lease = leases.get(published.dir)!
          lease.count--
          if (sent && options?.deleteAfter) {
            lease.deleteWhenDone = true
            hidden.add(id)
          }
          if (lease.count > 0) return
          leases.delete(published.dir)
          if (lease.deleteWhenDone) {
            yield* store.remove(parts)
            hidden.delete(id)
          }
        })
    )
    return {
      id,
      did,
      name: published.name,
      dir: published.dir,
      manifest: published.manifest,
      sent: Effect.sync(() => {
        sent = true
      })
    } satisfies Download as Download
  })

  const shutdown = Effect.gen(function*() {
    closing = true
    for (const job of queue.splice(0)) cancelled(job)
    const fibers = [...jobs.values()].flatMap((j) => (j.status === "running" && j.fiber ? [j.fiber] : []))
    yield* Fiber.interruptAll(fibers)
  }).pipe(Effect.withSpan("JobManager.shutdown"))

  return { submit, list, get, watch, remove, download, shutdown } satisfies JobManagerShape as JobManagerShape
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
      Effect.gen(function*() {
        const manager = yield* make(config)
        yield* Effect.addFinalizer(() => manager.shutdown)
        return manager
      })
    )
}
