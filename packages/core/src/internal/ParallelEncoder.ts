/**
 * One export encoded on several threads. For plugins that declare
 * `concurrent`, the threads (with two or more, the main thread is one of
 * them) each open their own connection to the archive, take one snapshot
 * together, and split the export order into chunks of consecutive posts: a
 * thread reads, decodes and encodes its chunks with its own sink, and only
 * finished bytes reach the writer on the main thread, which writes them in
 * order. Reading (SQLite's own work) and encoding then both run on every
 * core, and no row is ever copied between threads. The main thread takes a
 * share rather than wait: a third isolate on two cores cost more (its start,
 * its heap, the switching) than it saved.
 *
 * Chunks are a batch long and handed out as threads finish them, so the
 * threads advance side by side and the bytes of a chunk finished early wait
 * in memory, a few batches at most (`CREDIT`), until the chunks before it are
 * written. A thread finds its next chunk by searching the export-order index
 * from its own last row and skipping the chunks of the others in between.
 *
 * One snapshot for all: `PRAGMA data_version`, read on another connection
 * before the threads start and again once each holds its read transaction,
 * is unchanged only when nothing was committed in between, so all
 * transactions see the same database. Otherwise (a writer was busy) the
 * export falls back to the first thread alone.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BatchSource from "../BatchSource.js"
import type { EncodedChunk, Encoding } from "../Encoding.js"
import { ExportFailed } from "../Errors.js"
import type { FormatPlugin } from "../FormatPlugin.js"
import { mergeWarnings } from "../Warnings.js"
import type { ChunkPlan, FromWorker, ToWorker, WorkerInit } from "./ThreadProtocol.js"
import { type Encoded, InOrder } from "./InOrder.js"
import * as LocalThread from "./LocalThread.js"
import * as OpenFiles from "./OpenFiles.js"
import * as Prewarm from "./Prewarm.js"
import * as ThreadPool from "./ThreadPool.js"

export interface ParallelOptions extends BatchSource.SnapshotOptions {
  /** Threads to encode on (at least 1). */
  readonly threads: number
  /**
   * Aim for chunks of about this many posts (the last round may differ). The
   * default, one batch, keeps the threads in step: a thread is never more than
   * `CREDIT` batches ahead of the one whose chunk is being written.
   */
  readonly chunkPosts?: number | undefined
  /**
   * The plugin `encoder` names, as loaded here: the threads that run on this
   * thread encode with it instead of importing its module.
   */
  readonly plugin?: FormatPlugin | undefined
  /**
   * `PRAGMA data_version` of a connection to the archive outside these
   * threads: equal readings before and after every thread took its snapshot
   * prove that nothing was committed in between.
   */
  readonly version: () => unknown
}

export type { Encoded } from "./InOrder.js"

/** An export encoded on several threads: its chunks come out in export order. */
export interface ParallelEncoding extends Encoding {
  /** Threads encoding (fewer than asked when a writer was busy at the start). */
  readonly threads: number
  /** The chunks, in export order. */
  readonly chunks: ReadonlyArray<ChunkPlan>
}

/** Batches a thread may have encoded ahead of what the main thread stored. */
export const CREDIT = 4

/**
 * Chunks a reader thread holds at once: the one it encodes and two more. This
 * thread hands out the next chunk between its own batches, so a reader
 * holding only one spare often finished it first and waited
 * (docs/performance.md).
 */
const AHEAD = 3

/**
 * Splits `total` posts into consecutive chunks of about `chunkPosts` for
 * `threads` threads (a multiple of `threads` of them, all within one post of
 * the same length), which take them in order as they finish earlier ones.
 */
export const plan = (total: number, threads: number, chunkPosts: number): Array<ChunkPlan> => {
  const rounds = threads <= 1 ? 1 : Math.max(1, Math.round(total / (threads * chunkPosts)))
  const n = Math.max(1, Math.min(threads * rounds, total))
  return Array.from({ length: n }, (_, index) => {
    const offset = Math.floor((index * total) / n)
    return { index, offset, limit: Math.floor(((index + 1) * total) / n) - offset }
  })
}

type Message = { readonly worker: number; readonly message: FromWorker }

/**
 * An encoding thread: a reader thread, or this thread itself. Until it is
 * started its messages (ready, verified, a setup error) go to its own
 * `control` queue; after, everything goes to the shared `output` queue.
 */
interface Thread {
  readonly send: (message: ToWorker) => void
  readonly control: Queue.Queue<FromWorker>
  started: boolean
}

/**
 * Starts thread `index`. The local one runs EncodingThread's loop on this
 * thread (LocalThread), without a module to import when `plugin` is given.
 */
const spawn = (
  init: WorkerInit,
  index: number,
  output: Queue.Queue<Message>,
  local: boolean,
  plugin: FormatPlugin | undefined,
  pool: ThreadPool.ThreadPoolShape
): Effect.Effect<Thread, never, Scope.Scope> =>
  Effect.flatMap(Queue.unbounded<FromWorker>(), (control) => {
    const receiver = (thread: Thread) => (message: FromWorker) =>
      thread.started ? Queue.offerUnsafe(output, { worker: index, message }) : Queue.offerUnsafe(control, message)
    if (local) {
      // Sends begin once it has started (spawn returned).
      let here: LocalThread.LocalThread | undefined
      const thread: Thread = { send: (m) => here!.send(m), control, started: false }
      return Effect.map(LocalThread.start(init, receiver(thread), plugin), (started) => {
        here = started
        return thread
      })
    }
    return Effect.acquireRelease(
      Effect.sync(() => {
        const thread: Thread = { send: (m) => lease.send(m), control, started: false }
        const lease = pool.start(init, receiver(thread))
        return { thread, lease }
      }),
      ({ lease }, exit) => Effect.promise(() => lease.end(Exit.isSuccess(exit)))
    ).pipe(Effect.map(({ thread }) => thread))
  })

const failed = (stage: "snapshot" | "read" | "encode", message: string, batch?: number) =>
  new ExportFailed(batch === undefined ? { stage, message } : { stage, batch, message })

/**
 * Starts the threads on `selection` and takes their common snapshot. The
 * threads stop when the scope closes.
 */
export const open: (
  path: string,
  selection: BatchSource.Selection,
  encoder: NonNullable<WorkerInit["encoder"]>,
  options: ParallelOptions
) => Effect.Effect<ParallelEncoding, ExportFailed, Scope.Scope> = Effect.fn("ParallelEncoder.open")(function* (
  path: string,
  selection: BatchSource.Selection,
  encoder: NonNullable<WorkerInit["encoder"]>,
  options: ParallelOptions
) {
  const base = BatchSource.workerInit(path, selection, options)
  const batchSize = base.batchSize
  // Released after the threads stop (finalizers run in reverse).
  const fd = yield* OpenFiles.use(path)
  const init: WorkerInit = { ...base, encoder, ...(fd === undefined ? {} : { fd }) }
  const wanted = Math.max(1, Math.floor(options.threads))

  const output = yield* Queue.unbounded<Message>()

  // The threads that are not readers run here (one, from two threads on):
  // the same count Prewarm starts, so the two never disagree.
  const locals = wanted - Prewarm.readers(wanted)
  const local = (w: number) => w < locals
  const pool = yield* ThreadPool.current
  // Every thread starts at once when readers wait (prewarmed, or kept from an export; loading the
  // plugin takes longer than the snapshot). Otherwise this thread counts the
  // selection first and starts only the readers that have a batch to encode:
  // an export of one batch starts none. All snapshots begin between the two
  // version readings either way.
  const before = options.version()
  const all: Array<Thread> = []
  const answers: Array<FromWorker> = []
  const startUpTo = (count: number) =>
    Effect.gen(function* () {
      const from = all.length
      for (let i = from; i < count; i++) all.push(yield* spawn(init, i, output, local(i), options.plugin, pool))
      for (const thread of all.slice(from)) answers.push(yield* Queue.take(thread.control))
    })
  const lazy = locals > 0 && (yield* pool.idle) === 0
  yield* startUpTo(lazy ? locals : wanted)
  const first = answers[0]!
  if (first.type === "error") return yield* failed("snapshot", `cannot read the archive: ${first.message}`)
  if (first.type !== "ready") return yield* failed("snapshot", `unexpected reader message ${first.type}`)
  const total = first.total
  // More threads than batches would idle.
  const useful = Math.max(1, Math.min(wanted, Math.ceil(total / batchSize)))
  if (lazy) yield* startUpTo(useful)
  yield* pool.shed
  const same = answers.every((m) => m.type === "ready" && m.total === total) && options.version() === before
  // Otherwise a writer committed meanwhile (or a thread could not start): the
  // first thread's snapshot alone is used.
  const threads = same ? all.slice(0, useful) : [all[0]!]
  for (const thread of all.slice(threads.length)) thread.send({ type: "close" })

  const chunks = plan(total, threads.length, options.chunkPosts ?? batchSize)
  // Chunks are handed out as threads finish them, so a thread that has more
  // to do (this one also writes and hashes) simply takes fewer. A reader
  // holds AHEAD chunks, so it rarely waits for its next one; this thread takes
  // one when it is free to start it: a chunk it took early would hold back
  // the chunks after it, and a reader that has used its credit on those waits.
  const owner: Array<number> = []
  let next = 0
  const assign = (w: number): Array<ChunkPlan> => {
    if (next >= chunks.length) return []
    owner[next] = w
    return [chunks[next++]!]
  }
  const initial: Array<Array<ChunkPlan>> = threads.map(() => [])
  for (let round = 0; round < AHEAD; round++) {
    for (let w = 0; w < threads.length; w++) if (round === 0 || !local(w)) initial[w]!.push(...assign(w))
  }
  for (let w = 0; w < threads.length; w++) {
    const thread = threads[w]!
    // Anything a thread said before it started was setup chatter, except a failure.
    for (const m of yield* Queue.clear(thread.control)) {
      if (m.type === "error") yield* Queue.offer(output, { worker: w, message: m })
    }
    thread.started = true
    thread.send({ type: "start", total, chunks: initial[w]!, credit: CREDIT })
  }

  const chunkWarnings = new Map<number, BatchSource.Warnings>()

  const receive = ({ worker, message: m }: Message): Effect.Effect<Encoded, ExportFailed> =>
    Effect.gen(function* () {
      switch (m.type) {
        case "encoded": {
          if (m.last) {
            const more = assign(worker)
            if (more.length > 0) threads[worker]!.send({ type: "chunks", chunks: more })
          }
          if (m.warnings !== undefined) {
            const w = chunkWarnings.get(m.chunk) ?? { count: 0, first: [] }
            mergeWarnings(w, m.warnings)
            chunkWarnings.set(m.chunk, w)
          }
          return { chunk: m.chunk, bytes: m.bytes, posts: m.posts, offset: m.offset, last: m.last }
        }
        case "error": {
          const batch = m.offset === undefined ? undefined : Math.floor(m.offset / batchSize) + 1
          if (m.stage === "encode") {
            return yield* failed(
              "encode",
              `format "${encoder.name}"${batch === undefined ? "" : ` failed on batch ${batch}`}: ${m.message}`,
              batch
            )
          }
          return yield* failed(
            "read",
            `cannot read ${batch === undefined ? "the archive" : `batch ${batch}`}: ${m.message}`,
            batch
          )
        }
        default:
          return yield* failed("read", `unexpected reader message ${m.type}`)
      }
    })

  const take = Effect.flatMap(Queue.take(output), receive)
  const poll = Effect.flatMap(Queue.poll(output), (m): Effect.Effect<Encoded | undefined, ExportFailed> =>
    m._tag === "Some" ? receive(m.value) : Effect.undefined
  )

  // The message's bytes are written by now: its buffer goes back to be filled again.
  const release = (message: Encoded) =>
    Effect.sync(() => {
      const buffer = message.bytes.buffer
      const thread = threads[owner[message.chunk]!]!
      const carrier = message.bytes.byteLength > 0 && buffer instanceof SharedArrayBuffer
      thread.send(carrier ? { type: "credit", n: 1, buffer } : { type: "credit", n: 1 })
    })

  const warnings = (): BatchSource.Warnings => {
    const merged: BatchSource.Warnings = { count: 0, first: [] }
    for (const c of chunks) {
      const w = chunkWarnings.get(c.index)
      if (w !== undefined) mergeWarnings(merged, w)
    }
    return merged
  }

  // Each pull writes what the one before it returned: those batches' credit
  // goes back then. Everything that has arrived is returned at once, so the
  // writer stores it in one call rather than one turn of the event loop per batch.
  const inOrder = new InOrder(chunks.length)
  let pulled: ReadonlyArray<Encoded> = []
  const toChunk = (m: Encoded): EncodedChunk => ({
    bytes: m.bytes,
    posts: m.posts,
    batch: Math.floor(m.offset / batchSize) + 1
  })
  const encoded = Stream.paginate(undefined, () =>
    Effect.gen(function* () {
      for (const m of pulled) yield* release(m)
      const arrived = [yield* take]
      for (let m = yield* poll; m !== undefined; m = yield* poll) arrived.push(m)
      pulled = inOrder.add(arrived)
      return [pulled.map(toChunk), inOrder.done ? Option.none() : Option.some(undefined)] as const
    })
  )

  return { total, threads: threads.length, chunks, encode: () => encoded, warnings } satisfies ParallelEncoding
})
