/**
 * The export-order index (`idx_posts_skyporter_export_order`): whether an
 * export of one account should add it, and adding it without holding up this
 * thread while another process holds the archive's lock.
 */
import type Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as ArchiveSchema from "../ArchiveSchema.js"
import * as LockWait from "../LockWait.js"

/**
 * Whether `did` holds at least a third of the archive's posts, counted from
 * the indexes alone; any failure (a writer's lock held past `timeout`) means no.
 */
export const holdsAThird = (database: Database.Database, did: string, timeout: number): Effect.Effect<boolean> =>
  LockWait.on(
    database,
    () => {
      const mine = Number(database.prepare("SELECT COUNT(*) FROM posts WHERE did = ?").pluck().get(did))
      const all = Number(database.prepare("SELECT COUNT(*) FROM posts").pluck().get())
      return mine > 0 && 3 * mine >= all
    },
    timeout
  ).pipe(Effect.orElseSucceed(() => false))

/**
 * Builds the export-order index. SQLite sorts its keys within the page cache
 * and spills the rest to temporary files: a 2 MB cache builds it as fast as
 * the default 16 MB with less memory, and one helper thread sorts beside
 * this one on a core the export does not use yet (docs/performance.md).
 */
const buildExportIndex = (db: Database.Database): void => {
  const cacheSize = db.pragma("cache_size", { simple: true })
  const threads = db.pragma("threads", { simple: true })
  db.pragma("cache_size = -2000")
  db.pragma("threads = 1")
  try {
    db.exec(ArchiveSchema.EXPORT_INDEX)
  } finally {
    db.pragma(`cache_size = ${Number(cacheSize)}`)
    db.pragma(`threads = ${Number(threads)}`)
  }
}

/**
 * Adds the export-order index in a transaction of its own: a lock met at
 * the commit is waited for without building the index again, and a failure
 * (an interrupt too) leaves the archive as it was.
 */
export const add = (db: Database.Database, timeout: number): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    yield* LockWait.on(db, () => db.exec("BEGIN IMMEDIATE"), timeout)
    // Inside the transaction a busy statement is not retried (SQLite asks for a rollback).
    yield* Effect.try({
      try: () => LockWait.withBusyTimeout(db, LockWait.attemptTimeout(timeout), () => buildExportIndex(db)),
      catch: (e) => e
    })
    yield* LockWait.on(db, () => db.exec("COMMIT"), timeout)
  }).pipe(
    Effect.ensuring(
      Effect.sync(() => {
        if (db.inTransaction) db.exec("ROLLBACK")
      })
    )
  )
