/**
 * The batch source: the posts of one DID (optionally within a date range) in
 * the order `created_at DESC, uri ASC` — the stored text's byte order, as
 * bskyarchive orders them — in batches of 1,000, from one snapshot.
 *
 * Everything an export reads (the count, every batch, media) happens inside a
 * single read transaction, so posts that another process inserts, updates or
 * deletes meanwhile neither appear, vanish nor duplicate.
 *
 * Batches come from ONE ordered cursor read in chunks, never OFFSET: with the
 * export-order index SQLite walks the index (every batch costs the same at any
 * depth). Without it, SQLite sorts the selection's keys once and each post is
 * read by rowid (internal/SortedKeys), not sorted whole, nor once per batch as
 * re-issued keyset queries would.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { INSTANT_FUNCTION } from "./Archive.js"
import type * as DateRange from "./DateRange.js"
import { ExportFailed } from "./Errors.js"
import * as Post from "./Post.js"
import * as LocalThread from "./internal/LocalThread.js"
import * as ThreadPool from "./internal/ThreadPool.js"
import type { FromWorker, ToWorker, WorkerInit } from "./internal/ThreadProtocol.js"
import { BatchWarnings, type Warnings } from "./Warnings.js"
import * as Timestamp from "./Timestamp.js"

/** Production batch size. Tests may lower it; output bytes never depend on it. */
export const DEFAULT_BATCH_SIZE = 1_000

/**
 * Memory budget of one batch: its values counted as UTF-16 (2 bytes per
 * string unit, BLOBs at their length). A batch ends before the post that
 * would pass it (a single larger post goes alone). Several batch-sized
 * copies are alive at once (read ahead, in transit between the threads,
 * decoded, encoded), plus what the garbage collector has yet to free, so
 * peak memory grows with it (docs/performance.md). Batches of ordinary
 * posts (a few KB each) stay far below it.
 */
export const DEFAULT_BATCH_BUDGET_BYTES = 8 * 1024 * 1024

export interface Selection {
  readonly did: string
  readonly range: DateRange.DateRange
}

export interface BatchOptions {
  readonly batchSize?: number | undefined
  readonly budgetBytes?: number | undefined
}

/** One export's view of the archive, valid while its scope is open. */
export interface Snapshot {
  /** Posts in the selection, counted in the snapshot. */
  readonly total: number
  /** The posts, in export order, in batches. Can be run once. */
  readonly batches: Stream.Stream<Post.PostBatch, ExportFailed>
  /** Messages about values that could not be decoded as stored (see `settle`). */
  readonly warnings: Warnings
  /** Adds the warnings of the batch read last to `warnings`: call once it is encoded. */
  readonly settle: () => void
  /** Any other read (e.g. media rows) in the same snapshot; raw rows. */
  readonly query: (sql: string, params: Record<string, unknown>) => Effect.Effect<Array<Array<unknown>>, ExportFailed>
}

export { addWarning, BatchWarnings, KEPT_WARNINGS, type Warnings } from "./Warnings.js"

/** WHERE clause and parameters for a selection. */
export const where = (selection: Selection): { readonly sql: string; readonly params: Record<string, string> } => {
  const params: Record<string, string> = { did: selection.did }
  let sql = "did = @did"
  const { since, until } = selection.range
  // Stored local dates lie within a day of their UTC instant, so plain text
  // bounds a day wider let the index narrow the scan before the exact
  // instant comparison.
  if (since !== undefined) {
    params.since = since
    const text = Timestamp.addDays(since.slice(0, 10), -1)
    if (text !== undefined) {
      params.sinceText = text
      sql += " AND created_at >= @sinceText"
    }
    sql += ` AND ${INSTANT_FUNCTION}(created_at) >= @since`
  }
  if (until !== undefined) {
    params.until = until
    const text = Timestamp.addDays(until.slice(0, 10), 2)
    if (text !== undefined) {
      params.untilText = text
      sql += " AND created_at < @untilText"
    }
    sql += ` AND ${INSTANT_FUNCTION}(created_at) <= @until`
  }
  return { sql, params }
}

const failed = (stage: "snapshot" | "read", message: string, batch?: number) =>
  new ExportFailed(batch === undefined ? { stage, message } : { stage, batch, message })

export interface SnapshotOptions extends BatchOptions {
  readonly busyTimeout?: number | undefined
  /**
   * False for an archive without the export-order index: each thread then
   * has SQLite sort the selection's keys and reads every post by rowid
   * (internal/SortedKeys). Default: the index is there.
   */
  readonly indexed?: boolean | undefined
  /**
   * Read on this thread, with no batch read ahead: for a selection of about
   * one batch, which is read before a reader thread would have started.
   */
  readonly onThisThread?: boolean | undefined
}

/** A rowid as a number, or past 2^53 as its exact text. */
const exactRowid =
  "CASE WHEN rowid BETWEEN -9007199254740991 AND 9007199254740991 THEN rowid ELSE CAST(rowid AS TEXT) END"

/** What a reader thread needs to read `selection` in export order. */
export const workerInit = (path: string, selection: Selection, options: SnapshotOptions = {}): WorkerInit => {
  const { sql, params } = where(selection)
  // rowid last: a total order even where uri (a nullable TEXT key) ties,
  // so separate cursors in one snapshot agree on every position.
  const order = "ORDER BY created_at DESC, uri ASC, rowid ASC"
  const chunk = `SELECT ${Post.selectColumns}, rowid FROM posts WHERE ${sql}`
  // The row `@anchor` itself, compared in SQL: its values never pass through
  // JavaScript, so text that is not UTF-8 or integers past 2^53 compare as stored.
  const anchor = (column: string) => `(SELECT ${column} FROM posts WHERE rowid = @anchor)`
  const after =
    `${sql} AND created_at <= ${anchor("created_at")} AND (created_at < ${anchor("created_at")} ` +
    `OR uri > ${anchor("uri")} OR (uri = ${anchor("uri")} AND rowid > @anchor)) ${order}`
  return {
    path,
    countSql: `SELECT COUNT(*) FROM posts WHERE ${sql}`,
    nullsSql: `SELECT COUNT(*) FROM posts WHERE ${sql} AND created_at IS NULL`,
    rowsSql: `SELECT ${Post.selectColumns} FROM posts WHERE ${sql} ${order}`,
    chunkSql: `${chunk} ${order} LIMIT @limit OFFSET @offset`,
    // Rows after the anchor in export order. `created_at <= …` is the index
    // range the search starts from, so skipping to a chunk costs its distance
    // from the anchor, not its offset. It leaves out NULL created_at (last in
    // this order) and needs a non-NULL anchor: the worker checks both.
    afterSql: `SELECT ${Post.selectColumns}, rowid FROM posts WHERE ${after} LIMIT @limit OFFSET @offset`,
    // The row `@offset` rows past the anchor, from the export-order index
    // alone (no table row read), and whether it can anchor a search in turn.
    // A thread skips the other threads' chunks with it: stepping over them
    // in afterSql's OFFSET cost more (see IndexedChunks).
    skipSql: `SELECT rowid, uri IS NOT NULL AND created_at IS NOT NULL FROM posts WHERE ${after} LIMIT 1 OFFSET @offset`,
    chunkKeysSql: `SELECT ${exactRowid} FROM posts WHERE ${sql} ${order} LIMIT @limit OFFSET @offset`,
    afterKeysSql: `SELECT ${exactRowid} FROM posts WHERE ${after} LIMIT @limit OFFSET @offset`,
    ...(options.indexed === false
      ? {
          sortedKeys: {
            keysSql: `SELECT ${exactRowid} FROM posts WHERE ${sql} ${order}`,
            rowSql: `SELECT ${Post.selectColumns} FROM posts WHERE rowid = ?`
          }
        }
      : {}),
    params,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    budgetBytes: options.budgetBytes ?? DEFAULT_BATCH_BUDGET_BYTES,
    busyTimeout: options.busyTimeout ?? 5_000,
    instantFunction: INSTANT_FUNCTION
  }
}

/** A reader thread serving `init`, its messages to `deliver`, until the scope closes. */
const readOnThread = (pool: ThreadPool.ThreadPoolShape, init: WorkerInit, deliver: (m: FromWorker) => void) =>
  Effect.acquireRelease(
    Effect.sync(() => pool.start(init, deliver)),
    // `reuse` the thread after an export that ended cleanly (see ThreadPool).
    (lease, exit) => Effect.promise(() => lease.end(Exit.isSuccess(exit)))
  )

/**
 * Opens a snapshot of `selection` in the archive at `path`. A reader thread
 * (or this one: `onThisThread`) holds the read transaction until the scope
 * closes, and reads each batch ahead while the caller works on the previous one.
 */
export const open: (
  path: string,
  selection: Selection,
  options?: SnapshotOptions
) => Effect.Effect<Snapshot, ExportFailed, Scope.Scope> = Effect.fn("BatchSource.open")(function* (
  path: string,
  selection: Selection,
  options: SnapshotOptions = {}
) {
  const init = workerInit(path, selection, options)

  const inbox = yield* Queue.unbounded<FromWorker>()
  const pending = new Map<number, Deferred.Deferred<Array<Array<unknown>>, ExportFailed>>()
  const deliver = (m: FromWorker) => {
    if (m.type === "result") {
      const d = pending.get(m.id)
      pending.delete(m.id)
      if (d) {
        Deferred.doneUnsafe(d, m.error === undefined ? Exit.succeed(m.rows ?? []) : Exit.fail(failed("read", m.error)))
      }
    } else Queue.offerUnsafe(inbox, m)
  }
  const pool = yield* ThreadPool.current
  const reader: { readonly send: (m: ToWorker) => void } =
    options.onThisThread === true ? yield* LocalThread.start(init, deliver) : yield* readOnThread(pool, init, deliver)
  yield* pool.shed
  const send = (m: ToWorker) => Effect.sync(() => reader.send(m))

  const first = yield* Queue.take(inbox)
  if (first.type === "error") return yield* failed("snapshot", `cannot read the archive: ${first.message}`)
  if (first.type !== "ready") return yield* failed("snapshot", `unexpected reader message ${first.type}`)
  const total = first.total

  const warnings: Warnings = { count: 0, first: [] }
  const batchWarnings = new BatchWarnings()
  const settle = () => batchWarnings.settle(warnings)

  // One batch is always requested ahead of the one being consumed.
  const batches = Stream.unwrap(
    Effect.as(
      send({ type: "next" }),
      Stream.paginate(1, (n: number) =>
        Effect.gen(function* () {
          const m = yield* Queue.take(inbox)
          switch (m.type) {
            case "end":
              settle()
              return [[], Option.none<number>()] as const
            case "error":
              return yield* failed("read", `cannot read batch ${n}: ${m.message}`, n)
            case "batch": {
              yield* send({ type: "next" })
              settle()
              const posts = m.rows.map((row, i) => {
                batchWarnings.current = i
                return Post.decodeRow(row, batchWarnings.warn, i)
              })
              return [[posts as Post.PostBatch], Option.some(n + 1)] as const
            }
            default:
              return yield* failed("read", `unexpected reader message ${m.type}`, n)
          }
        })
      )
    )
  )

  let nextId = 0
  const query = (sql: string, queryParams: Record<string, unknown>) =>
    Effect.gen(function* () {
      const d = yield* Deferred.make<Array<Array<unknown>>, ExportFailed>()
      const id = nextId++
      pending.set(id, d)
      yield* send({ type: "query", id, sql, params: queryParams })
      return yield* Deferred.await(d)
    })

  return { total, batches, warnings, settle, query } satisfies Snapshot as Snapshot
})
