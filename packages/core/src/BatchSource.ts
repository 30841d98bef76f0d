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
 * depth); without it (a read-only archive) SQLite sorts once for the whole
 * export, not once per batch as re-issued keyset queries would.
 */
import type Database from "better-sqlite3"
import { Effect, Option, type Scope, Stream } from "effect"
import { INSTANT_FUNCTION } from "./Archive.js"
import * as DateRange from "./DateRange.js"
import { describe, ExportFailed } from "./Errors.js"
import * as Post from "./Post.js"
import * as Timestamp from "./Timestamp.js"

/** Production batch size. Tests may lower it; output bytes never depend on it. */
export const DEFAULT_BATCH_SIZE = 1_000

/**
 * Memory budget of one decoded batch. A batch ends early when its posts
 * reach this size, so archives of multi-megabyte posts stay bounded.
 */
export const DEFAULT_BATCH_BUDGET_BYTES = 64 * 1024 * 1024

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
  /** Messages about values that could not be decoded as stored. */
  readonly warnings: Warnings
}

export interface Warnings {
  count: number
  readonly first: Array<string>
}

/** How many warning messages are kept (all are counted). */
export const KEPT_WARNINGS = 20

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

/**
 * Opens a snapshot of `selection`. The read transaction lasts until the
 * scope closes.
 */
export const open: (
  db: Database.Database,
  selection: Selection,
  options?: BatchOptions
) => Effect.Effect<Snapshot, ExportFailed, Scope.Scope> = Effect.fn("BatchSource.open")(function*(
  db: Database.Database,
  selection: Selection,
  options: BatchOptions = {}
) {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const budget = options.budgetBytes ?? DEFAULT_BATCH_BUDGET_BYTES
  const { sql, params } = where(selection)

  yield* Effect.acquireRelease(
    Effect.try({
      try: () => db.exec("BEGIN"),
      catch: (e) => failed("snapshot", `cannot start a read transaction: ${describe(e)}`)
    }),
    () =>
      Effect.sync(() => {
        if (db.open && db.inTransaction) db.exec("ROLLBACK")
      })
  )

  const total = yield* Effect.try({
    try: () => Number(db.prepare(`SELECT COUNT(*) FROM posts WHERE ${sql}`).pluck().get(params)),
    catch: (e) => failed("snapshot", `cannot count the posts: ${describe(e)}`)
  })

  const cursor = yield* Effect.acquireRelease(
    Effect.try({
      try: () =>
        db.prepare(`SELECT ${Post.selectColumns} FROM posts WHERE ${sql} ORDER BY created_at DESC, uri ASC`)
          .raw(true)
          .iterate(params) as IterableIterator<Array<unknown>>,
      catch: (e) => failed("snapshot", `cannot query the posts: ${describe(e)}`)
    }),
    (it) => Effect.sync(() => it.return?.())
  )

  const warnings: Warnings = { count: 0, first: [] }
  const warn: Post.Warn = (message) => {
    warnings.count++
    if (warnings.first.length < KEPT_WARNINGS) warnings.first.push(message)
  }

  const readBatch = (): Post.PostBatch => {
    const batch: Array<Post.Post> = []
    let bytes = 0
    while (batch.length < batchSize && bytes < budget) {
      const next = cursor.next()
      if (next.done) break
      const post = Post.decodeRow(next.value, warn)
      bytes += Post.approximateBytes(post)
      batch.push(post)
    }
    return batch
  }

  const batches = Stream.paginate(1, (n: number) =>
    Effect.try({
      try: () => {
        const batch = readBatch()
        return batch.length === 0
          ? [[], Option.none()] as const
          : [[batch], Option.some(n + 1)] as const
      },
      catch: (e) => failed("read", `cannot read batch ${n}: ${describe(e)}`, n)
    }))

  return { total, batches, warnings } satisfies Snapshot as Snapshot
})
