/**
 * The reading half of an export, on its own thread: it holds a read
 * transaction (its snapshot) on a private read-only connection, counts the
 * selection, and reads batches ahead while the main thread works.
 *
 * Two modes:
 * - rows (any plugin): `next` reads one batch and posts its raw rows; the
 *   main thread decodes and encodes them.
 * - encode (plugins that declare `concurrent`): the worker loads the plugin
 *   itself (unless its thread holds it: LoadedPlugins), and after `start`
 *   reads, decodes and encodes its share of the export (whole chunks of the
 *   export order, more as `chunks` hands them out), posting finished bytes.
 *   Several such workers, each on its own connection in the same snapshot,
 *   encode one export on several cores; only bytes cross between threads.
 *   The main thread can run the same loop over a MessageChannel (`run`) to
 *   encode a share itself.
 *
 * Protocol (main → worker): `next`, `query` (any read in the same snapshot,
 * answered by id), `start`, `chunks`, `credit`, `close`. The worker answers
 * with `ready`, `batch`, `end`, `result`, `encoded` or `error`.
 */
import Database from "better-sqlite3"
// Deep imports: a thread loads only what it uses (the barrels cost a second per thread).
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type MessagePort, parentPort, workerData } from "node:worker_threads"
import type { Chunk, FormatPlugin, FormatSink } from "../FormatPlugin.js"
import * as LoadedPlugins from "./LoadedPlugins.js"
import * as Post from "../Post.js"
import * as PluginOptions from "../PluginOptions.js"
import * as Prewarm from "./Prewarm.js"
import * as Timestamp from "../Timestamp.js"
import { BatchWarnings, type Warnings } from "../Warnings.js"

export interface WorkerInit {
  readonly path: string
  readonly countSql: string
  /** Posts of the selection whose created_at is NULL (the last in export order). */
  readonly nullsSql: string
  readonly rowsSql: string
  /** Encode mode: `limit` posts from position `offset`, each with its rowid last. */
  readonly chunkSql: string
  /** Encode mode: as `chunkSql`, counting `offset` from the row after rowid `anchor`. */
  readonly afterSql: string
  /**
   * Encode mode: the rowid of the row `offset` rows after rowid `anchor`, and
   * whether it can anchor a search (1) or not (0), read from the index alone.
   */
  readonly skipSql: string
  readonly params: Record<string, string>
  readonly batchSize: number
  readonly budgetBytes: number
  readonly busyTimeout: number
  readonly instantFunction: string
  /** Encode mode: the plugin to load and its options as the user gave them. */
  readonly encoder?: {
    readonly module: string
    readonly name: string
    readonly options: unknown
  }
}

/** A run of consecutive posts in export order: `limit` posts from `offset`. */
export interface ChunkPlan {
  readonly index: number
  readonly offset: number
  readonly limit: number
}

export type ToWorker =
  | { readonly type: "next" }
  | { readonly type: "query"; readonly id: number; readonly sql: string; readonly params: Record<string, unknown> }
  | { readonly type: "start"; readonly total: number; readonly chunks: ReadonlyArray<ChunkPlan>; readonly credit: number }
  | { readonly type: "chunks"; readonly chunks: ReadonlyArray<ChunkPlan> }
  | { readonly type: "credit"; readonly n: number; readonly buffer?: ArrayBuffer }
  | { readonly type: "close" }

export type FromWorker =
  | { readonly type: "ready"; readonly total: number }
  | { readonly type: "batch"; readonly rows: Array<Array<unknown>> }
  | { readonly type: "end" }
  | { readonly type: "result"; readonly id: number; readonly rows?: Array<Array<unknown>>; readonly error?: string }
  | {
    readonly type: "encoded"
    readonly chunk: number
    /** The encoded bytes of `posts` posts (possibly none at a chunk's end). */
    readonly bytes: Uint8Array
    readonly posts: number
    /** Posts before this batch in the whole export. */
    readonly offset: number
    /** Whether this is the chunk's last message. */
    readonly last: boolean
    /** Decoding warnings of this batch (all counted, the first few kept). */
    readonly warnings?: { readonly count: number; readonly first: ReadonlyArray<string> }
  }
  | {
    readonly type: "error"
    readonly stage: "snapshot" | "read" | "encode"
    readonly message: string
    /** Posts before the batch that failed, when one did. */
    readonly offset?: number
  }

const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message
  }
  return String(e)
}

const size = (v: unknown): number =>
  typeof v === "string" ? v.length * 2 : Buffer.isBuffer(v) ? v.length : 8

/**
 * Reads batches from a cursor: at most `batchSize` rows, and a row that would
 * take a batch past the budget starts the next batch instead, so no batch
 * exceeds it (a row larger than the budget goes alone).
 */
class BatchReader {
  private done = false
  private carried: { readonly row: Array<unknown>; readonly bytes: number } | undefined

  constructor(
    private readonly cursor: IterableIterator<Array<unknown>>,
    private readonly batchSize: number,
    private readonly budgetBytes: number
  ) {}

  /** The next batch; empty when the cursor is exhausted. */
  next(): Array<Array<unknown>> {
    const rows: Array<Array<unknown>> = []
    let bytes = 0
    if (this.carried !== undefined) {
      rows.push(this.carried.row)
      bytes = this.carried.bytes
      this.carried = undefined
    }
    while (!this.done && rows.length < this.batchSize) {
      const next = this.cursor.next()
      if (next.done) {
        this.done = true
        break
      }
      const row = next.value
      let rowBytes = 0
      for (let i = 0; i < row.length; i++) rowBytes += size(row[i])
      if (rows.length > 0 && bytes + rowBytes > this.budgetBytes) {
        this.carried = { row, bytes: rowBytes }
        break
      }
      rows.push(row)
      bytes += rowBytes
    }
    return rows
  }

  close(): void {
    this.done = true
    this.cursor.return?.()
  }
}

/**
 * Buffers that carry encoded bytes to the main thread and come back empty
 * with each credit: moved, never copied or allocated per batch.
 */
class Carriers {
  private readonly free: Array<ArrayBuffer> = []

  give(buffer: ArrayBuffer): void {
    this.free.push(buffer)
  }

  /** A carrier holding `chunk` (text as UTF-8), and the length of its bytes. */
  fill(chunk: Chunk): Uint8Array {
    const length = typeof chunk === "string" ? Buffer.byteLength(chunk, "utf8") : chunk.byteLength
    let buffer = this.free.pop()
    if (buffer === undefined || buffer.byteLength < length) {
      buffer = new ArrayBuffer(Math.max(length, 2 * (buffer?.byteLength ?? 0), CARRIER_BYTES))
    }
    const target = Buffer.from(buffer, 0, length)
    if (typeof chunk === "string") target.write(chunk, 0, "utf8")
    else target.set(chunk)
    return target
  }
}

/**
 * Page cache of a reader's connection, in KiB. Measured at 1M posts: 16 MB,
 * 4 MB and 2 MB read equally fast, and each halving saved RSS (26 MB, then
 * about 6 MB over two readers).
 */
const CACHE_KIB = 2_000

/** Positions of uri and created_at in `Post.selectColumns`. */
const URI = 0
const CREATED_AT = 4

/** Initial carrier size: a batch of ordinary posts fits. */
const CARRIER_BYTES = 2 * 1024 * 1024

/** A row to search from, by rowid, and the position after it in export order. */
interface Anchor {
  readonly rowid: number
  readonly position: number
}

/** A plugin failure, at the batch starting `offset` posts into the export. */
class EncodeFailure extends Error {
  constructor(message: string, readonly offset?: number) {
    super(message)
  }
}

const importPlugin = async (encoder: NonNullable<WorkerInit["encoder"]>): Promise<FormatPlugin> => {
  let plugin = LoadedPlugins.get(encoder.module)
  if (plugin === undefined) {
    try {
      plugin = ((await import(encoder.module)) as { default?: FormatPlugin }).default
    } catch (e) {
      throw new EncodeFailure(`cannot load ${encoder.module}: ${describe(e)}`)
    }
  }
  if (plugin?.name !== encoder.name) {
    throw new EncodeFailure(`${encoder.module} does not export the "${encoder.name}" plugin as its default export`)
  }
  return plugin
}

const makeSink = async (plugin: FormatPlugin, input: unknown, total: number): Promise<FormatSink> => {
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(PluginOptions.decode(plugin, input), (options) => plugin.make(options, { total }))
  )
  if (Exit.isFailure(exit)) {
    const error = Cause.squash(exit.cause) as { message?: unknown }
    throw new EncodeFailure(typeof error?.message === "string" ? error.message : describe(error))
  }
  return exit.value
}

/**
 * Serves one export on `port`: a worker's `parentPort`, or one end of a
 * `MessageChannel` when the main thread encodes a share itself, with the
 * export's own `plugin` object (nothing to import). Returns what `close`
 * does (idempotent): end the snapshot, close the connection and the port.
 */
export const run = (init: WorkerInit, port: MessagePort, plugin?: FormatPlugin): () => void => {
  const post = (m: FromWorker) => port.postMessage(m)
  let db: Database.Database | undefined
  let rows: BatchReader
  let total: number
  // Encode mode: posts before the first whose created_at is NULL. Chunks
  // found from an anchor must lie within them (see `afterSql`).
  let keyed = 0
  try {
    db = new Database(init.path, { readonly: true, fileMustExist: true, timeout: init.busyTimeout })
    // Posts are read once, in index order: the cache only needs the tables'
    // interior pages. SQLite's 16 MB default per connection is memory for nothing.
    db.pragma(`cache_size = -${CACHE_KIB}`)
    db.function(init.instantFunction, { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? (Timestamp.canonicalInstant(text) ?? null) : null)
    db.exec("BEGIN")
    total = Number(db.prepare(init.countSql).pluck().get(init.params))
    if (init.encoder !== undefined) keyed = total - Number(db.prepare(init.nullsSql).pluck().get(init.params))
  } catch (e) {
    post({ type: "error", stage: "snapshot", message: describe(e) })
    return () => {
      if (db?.open) db.close()
      port.close()
    }
  }
  const connection = db
  // The plugin loads while the main thread sets the export up.
  const loading = init.encoder === undefined
    ? undefined
    : plugin === undefined
    ? importPlugin(init.encoder)
    : Promise.resolve(plugin)
  loading?.catch(() => undefined)
  let sink: Promise<FormatSink> | undefined
  // A thread opens one cursor per chunk: each statement is prepared once.
  const statements = new Map<string, Database.Statement>()
  const prepared = (sql: string) => {
    let statement = statements.get(sql)
    if (statement === undefined) {
      statement = connection.prepare(sql).raw(true)
      statements.set(sql, statement)
    }
    return statement
  }
  const openCursor = (sql: string, params: Record<string, unknown>) =>
    new BatchReader(prepared(sql).iterate(params) as IterableIterator<Array<unknown>>, init.batchSize, init.budgetBytes)
  if (init.encoder === undefined) rows = openCursor(init.rowsSql, init.params)
  post({ type: "ready", total })

  // Encode mode: the chunks still to do, and how many batches may be sent
  // before the main thread has written earlier ones (backpressure).
  let queue: Array<ChunkPlan> = []
  let current: { readonly plan: ChunkPlan; readonly reader: BatchReader; offset: number } | undefined
  // The rowid of the last row read, and the position after it: the thread's
  // next chunk is searched for from there, so skipping the other threads'
  // chunks costs their length, not the whole offset from the start.
  let anchor: Anchor | undefined
  let credit = 0
  const carriers = new Carriers()
  let pumping = false
  let closed = false

  /**
   * The anchor right before position `offset` (the rows between belong to
   * other threads), found from `from` in the index alone, or `from` itself
   * if that row cannot anchor. Skipping them with the OFFSET of the chunk's
   * own query cost 0.24 µs more per row (every other chunk of the first 400k
   * bench posts, read in-process, best of 6: 4.30 against 4.06 µs per row).
   */
  const skipTo = (from: Anchor, offset: number): Anchor => {
    if (offset === from.position) return from
    const row = prepared(init.skipSql).get({ ...init.params, anchor: from.rowid, offset: offset - from.position - 1 }) as
      | [unknown, unknown]
      | undefined
    const rowid = row?.[0]
    return typeof rowid === "number" && Number.isSafeInteger(rowid) && row![1] === 1 ? { rowid, position: offset } : from
  }

  const encodeNext = async (encoder: FormatSink): Promise<void> => {
    if (current === undefined) {
      const plan = queue.shift()
      if (plan === undefined) return
      const from = anchor !== undefined && anchor.position <= plan.offset && plan.offset + plan.limit <= keyed
        ? skipTo(anchor, plan.offset)
        : undefined
      const reader = from !== undefined
        ? openCursor(init.afterSql, {
          ...init.params,
          anchor: from.rowid,
          limit: plan.limit,
          offset: plan.offset - from.position
        })
        : openCursor(init.chunkSql, { ...init.params, limit: plan.limit, offset: plan.offset })
      current = { plan, reader, offset: plan.offset }
    }
    const chunk = current
    const batch = chunk.reader.next()
    const end = batch[batch.length - 1]
    if (end !== undefined) {
      // chunkSql selects the rowid after the post's columns. A NULL uri or
      // created_at, or a rowid past 2^53, cannot anchor a search.
      const rowid = end[end.length - 1]
      anchor = typeof rowid === "number" && Number.isSafeInteger(rowid) && end[URI] !== null && end[CREATED_AT] !== null
        ? { rowid, position: chunk.offset + batch.length }
        : undefined
    }
    const pending = new BatchWarnings()
    const posts: Array<Post.Post> = new Array(batch.length)
    for (let i = 0; i < batch.length; i++) {
      pending.current = i
      posts[i] = Post.decodeRow(batch[i]!, pending.warn, i)
    }
    let bytes: Uint8Array = new Uint8Array(0)
    if (posts.length > 0) {
      const exit = await Effect.runPromiseExit(
        Effect.suspend(() => encoder.write(posts, { offset: chunk.offset })).pipe(
          Effect.catchDefect((defect) => Effect.fail({ message: `plugin crashed: ${describe(defect)}` }))
        )
      )
      if (Exit.isFailure(exit)) {
        const error = Cause.squash(exit.cause) as { message?: unknown }
        throw new EncodeFailure(typeof error?.message === "string" ? error.message : describe(error), chunk.offset)
      }
      bytes = carriers.fill(exit.value)
    }
    const warnings: Warnings = { count: 0, first: [] }
    pending.settle(warnings)
    const last = batch.length === 0 || chunk.offset + batch.length >= chunk.plan.offset + chunk.plan.limit
    const message: FromWorker = {
      type: "encoded",
      chunk: chunk.plan.index,
      bytes,
      posts: batch.length,
      offset: chunk.offset,
      last,
      ...(warnings.count > 0 ? { warnings } : {})
    }
    chunk.offset += batch.length
    if (last) {
      chunk.reader.close()
      current = undefined
    }
    port.postMessage(message, bytes.byteLength > 0 ? [bytes.buffer as ArrayBuffer] : [])
  }

  const pump = async () => {
    if (pumping || sink === undefined) return
    pumping = true
    try {
      const encoder = await sink
      while (!closed && credit > 0 && (current !== undefined || queue.length > 0)) {
        credit--
        await encodeNext(encoder)
        // Let `credit` and `close` messages in between batches.
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    } catch (e) {
      const offset = e instanceof EncodeFailure ? e.offset : current?.offset
      queue = []
      current = undefined
      post({
        type: "error",
        stage: e instanceof EncodeFailure ? "encode" : "read",
        message: e instanceof EncodeFailure ? e.message : describe(e),
        ...(offset === undefined ? {} : { offset })
      })
    } finally {
      pumping = false
    }
  }

  port.on("message", (m: ToWorker) => {
    switch (m.type) {
      case "next": {
        try {
          const batch = rows.next()
          if (batch.length === 0) return post({ type: "end" })
          post({ type: "batch", rows: batch })
        } catch (e) {
          rows.close()
          post({ type: "error", stage: "read", message: describe(e) })
        }
        return
      }
      case "query": {
        try {
          post({ type: "result", id: m.id, rows: connection.prepare(m.sql).raw(true).all(m.params) as Array<Array<unknown>> })
        } catch (e) {
          post({ type: "result", id: m.id, error: describe(e) })
        }
        return
      }
      case "start": {
        if (loading !== undefined && init.encoder !== undefined) {
          const options = init.encoder.options
          sink = loading.then((p) => makeSink(p, options, m.total))
        }
        queue = [...m.chunks]
        credit += m.credit
        void pump()
        return
      }
      case "chunks": {
        queue.push(...m.chunks)
        void pump()
        return
      }
      case "credit": {
        if (m.buffer !== undefined) carriers.give(m.buffer)
        credit += m.n
        void pump()
        return
      }
      case "close":
        return close()
    }
  })
  const close = () => {
    if (closed) return
    closed = true
    try {
      current?.reader.close()
      if (init.encoder === undefined) rows.close()
      if (connection.inTransaction) connection.exec("ROLLBACK")
      connection.close()
    } finally {
      port.close()
    }
  }
  return close
}

/**
 * Serves this reader thread's export: the one in its `workerData`, or, for a
 * prewarmed thread (its modules loaded), the one its first message assigns.
 * A thread's entry module calls it (see ReaderThread), after providing the
 * plugins it holds.
 */
export const serve = (): void => {
  if (!parentPort) return
  const port = parentPort
  if (workerData === Prewarm.PREWARM) port.once("message", (m: Prewarm.Assign) => run(m.init, port))
  else if (workerData) run(workerData as WorkerInit, port)
}
