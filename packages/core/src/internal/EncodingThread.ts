/**
 * An export's thread: it holds a read transaction (its snapshot) on a
 * private read-only connection, counts the selection, and then reads — and,
 * for a format that declares `concurrent`, encodes — while the main thread
 * writes.
 *
 * Two modes:
 * - rows (any plugin): `next` reads one batch and posts its raw rows; the
 *   main thread decodes and encodes them.
 * - encode (plugins that declare `concurrent`): the thread loads the plugin
 *   itself (unless it holds it: LoadedPlugins), and after `start` reads,
 *   decodes and encodes its share of the export (ChunkEncoder), posting
 *   finished bytes. Several such threads, each on its own connection in the
 *   same snapshot, encode one export on several cores; only bytes cross
 *   between threads. The main thread can run the same loop over a
 *   MessageChannel (`run`) to encode a share itself.
 *
 * The messages are in ThreadProtocol.
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import { type MessagePort, parentPort, workerData } from "node:worker_threads"
import type { FormatPlugin } from "../FormatPlugin.js"
import * as Timestamp from "../Timestamp.js"
import { BatchReader } from "./BatchReader.js"
import { isBusy } from "./Busy.js"
import type { ChunkEncoder } from "./ChunkEncoder.js"
import type { ChunkSource } from "./ChunkSource.js"
import { IndexedChunks } from "./IndexedChunks.js"
import * as Prewarm from "./Prewarm.js"
import { SortedKeys } from "./SortedKeys.js"
import type { StoredRecords } from "./StoredRecords.js"
import { describe, type FromWorker, type ToWorker, type WorkerInit } from "./ThreadProtocol.js"

/**
 * Page cache of a thread's connection, in KiB: posts are read once, in index
 * order, so the cache only needs the tables' interior pages; SQLite's 16 MB
 * default per connection is memory for nothing (see docs/performance.md).
 */
const CACHE_KIB = 2_000

/** The encode mode's modules, loaded once a thread is asked to encode (or prewarmed to). */
const loadEncoding = () => import("./ChunkEncoder.js")

/**
 * The archive's stored records for a sink that writes them, when its file
 * can be read directly (StoredRecords); `SKYPORTER_RECORDS=off` reads every
 * post through SQL, for comparing the two (docs/performance.md).
 */
const openRecords = (
  init: WorkerInit,
  db: Database.Database,
  stored: typeof StoredRecords
): StoredRecords | undefined => {
  if (init.fd === undefined || process.env["SKYPORTER_RECORDS"] === "off") return undefined
  try {
    // The descriptor was opened by name before this connection was: a file renamed over the
    // archive in between is not the one this snapshot reads (asked now, under its lock).
    if (!sameFile(fs.fstatSync(init.fd, { bigint: true }), fs.statSync(init.path, { bigint: true }))) return undefined
    const records = stored.open(db, init.fd)
    return typeof records === "string" ? undefined : records
  } catch {
    // Whatever keeps the file from being read here, SQL reads it.
    return undefined
  }
}

const sameFile = (a: fs.BigIntStats, b: fs.BigIntStats): boolean => a.dev === b.dev && a.ino === b.ino

/** An opened snapshot: its connection (in its read transaction) and counts. */
export interface Opened {
  readonly db: Database.Database
  readonly total: number
  readonly keyed: number
}

/** Opens the snapshot: the connection (with busy timeout `timeout`), its read transaction, the count. */
export const openSnapshot = (init: WorkerInit, timeout = init.busyTimeout): Opened => {
  const db = new Database(init.path, { readonly: true, fileMustExist: true, timeout })
  try {
    db.pragma(`cache_size = -${CACHE_KIB}`)
    db.function(init.instantFunction, { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? (Timestamp.canonicalInstant(text) ?? null) : null
    )
    db.exec("BEGIN")
    const total = Number(db.prepare(init.countSql).pluck().get(init.params))
    // Only searches of the export-order index need it (IndexedChunks).
    const keyed =
      init.encoder === undefined || init.sortedKeys !== undefined
        ? 0
        : total - Number(db.prepare(init.nullsSql).pluck().get(init.params))
    return { db, total, keyed }
  } catch (e) {
    if (db.open) db.close()
    throw e
  }
}

/** Pause between a reader thread's attempts to open its snapshot, in ms. */
const PAUSE_MS = 50
const pauseCell = new Int32Array(new SharedArrayBuffer(4))

/**
 * A reader thread's snapshot, waiting up to `init.busyTimeout` for a locked
 * archive: in attempts that do not wait inside SQLite, with pauses between
 * them. The main thread stops a reader by terminating it, which ends a pause
 * at once; a thread terminated inside SQLite's own wait crashes the process
 * when the call returns with its error. (This thread loads no `effect`: see
 * LockWait for the main thread's wait.)
 */
const openOnThread = (init: WorkerInit): Opened => {
  const deadline = Date.now() + init.busyTimeout
  for (;;) {
    try {
      return openSnapshot(init, 0)
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e
      Atomics.wait(pauseCell, 0, 0, PAUSE_MS)
    }
  }
}

/**
 * Serves one export on `port`: the channel an `Assign` gave a thread, or one end of a
 * `MessageChannel` when the main thread encodes a share itself, with the
 * export's own `plugin` object (nothing to import) and the snapshot it
 * `opened` already (or the error opening it: see LocalThread). Returns what
 * `close` does (idempotent): end the snapshot, close the connection, call
 * `onClosed` once all of it went well, and close the port.
 */
export const run = (
  init: WorkerInit,
  port: MessagePort,
  plugin?: FormatPlugin,
  onClosed: () => void = () => {},
  opened: () => Opened = () => openOnThread(init)
): (() => void) => {
  const post = (m: FromWorker) => port.postMessage(m)
  // A setup that failed holds nothing (its connection is closed), and ends when asked as any export does.
  const setupFailed = (e: unknown) => {
    post({ type: "error", stage: "snapshot", message: describe(e) })
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      onClosed()
      port.close()
    }
    port.on("message", (m: ToWorker) => m.type === "close" && end())
    return end
  }
  let snapshot: Opened
  try {
    snapshot = opened()
  } catch (e) {
    return setupFailed(e)
  }
  const { db: connection, total, keyed } = snapshot
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
  let source: ChunkSource | undefined
  let rows: Pick<BatchReader, "next" | "close"> | undefined
  try {
    source =
      init.sortedKeys !== undefined
        ? new SortedKeys(init, init.sortedKeys, connection)
        : new IndexedChunks(init, prepared, keyed)
    rows =
      init.encoder !== undefined
        ? undefined
        : init.sortedKeys !== undefined
          ? source.open(0, total)
          : new BatchReader(
              prepared(init.rowsSql).iterate(init.params) as IterableIterator<Array<unknown>>,
              init.batchSize,
              init.budgetBytes
            )
  } catch (e) {
    // On the main thread nothing else would end the snapshot: no thread exits to free it. The
    // setup's error is the one reported, whatever closing says.
    for (const end of [() => source?.close(), () => connection.close()]) {
      try {
        end()
      } catch {
        // reported below
      }
    }
    return setupFailed(e)
  }
  let encoder: ChunkEncoder | undefined
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    try {
      encoder?.close()
      rows?.close()
      source.close()
      if (connection.inTransaction) connection.exec("ROLLBACK")
      connection.close()
      onClosed()
    } finally {
      port.close()
    }
  }

  const encoding = init.encoder
  if (encoding === undefined) post({ type: "ready", total })
  else {
    // Only encoding needs effect and the plugin contract: a thread that only reads starts without
    // loading them. The plugin loads while the main thread sets the export up.
    loadEncoding().then(
      ({ ChunkEncoder, importPlugin, StoredRecords }) => {
        if (closed) return
        const records = openRecords(init, connection, StoredRecords)
        // A DID's whole export: its order read from the index in the file too, without a date range's test.
        if (
          records !== undefined &&
          source instanceof IndexedChunks &&
          Object.keys(init.params).every((k) => k === "did")
        ) {
          source.walk = records.exportOrder(init.params["did"]!)
        }
        const loading = plugin === undefined ? importPlugin(encoding) : Promise.resolve(plugin)
        loading.catch(() => undefined)
        encoder = new ChunkEncoder(
          encoding,
          loading,
          source,
          port,
          records && { records, batchSize: init.batchSize, budgetBytes: init.budgetBytes }
        )
        post({ type: "ready", total })
      },
      (e: unknown) => {
        // The main thread fails the export and closes this one.
        if (!closed) post({ type: "error", stage: "snapshot", message: describe(e) })
      }
    )
  }

  port.on("message", (m: ToWorker) => {
    switch (m.type) {
      case "next": {
        if (rows === undefined) return
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
          post({
            type: "result",
            id: m.id,
            rows: connection.prepare(m.sql).raw(true).all(m.params) as Array<Array<unknown>>
          })
        } catch (e) {
          post({ type: "result", id: m.id, error: describe(e) })
        }
        return
      }
      case "start":
        return encoder?.start(m.total, m.chunks, m.credit)
      case "chunks":
        return encoder?.add(m.chunks)
      case "credit":
        return encoder?.give(m.n, m.buffer)
      case "close":
        return close()
    }
  })
  return close
}

/**
 * Serves this thread's exports, one after another: each `Assign` message
 * hands it one, and the port to serve it on. A prewarmed thread loads what
 * encoding needs first. A thread's entry module calls it (see ThreadEntry),
 * after providing the plugins it holds.
 */
export const serve = (): void => {
  if (!parentPort) return
  // A prewarmed thread is there to have its modules loaded before its export starts.
  if (workerData === Prewarm.PREWARM) loadEncoding().catch(() => undefined)
  parentPort.on("message", ({ init, port }: Prewarm.Assign) => {
    run(init, port, undefined, () => port.postMessage({ type: "closed" } satisfies FromWorker))
  })
}
