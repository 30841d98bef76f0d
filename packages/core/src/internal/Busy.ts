/**
 * SQLite's "database is locked", without effect: reader threads load no
 * effect, and wait for a lock with these as the main thread's LockWait does.
 */
import type Database from "better-sqlite3"

/** Whether `e` is SQLite's "database is locked" (SQLITE_BUSY and its extended codes). */
export const isBusy = (e: unknown): boolean =>
  typeof e === "object" && e !== null && String((e as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY")

/** Runs `run` on `db` with the connection's busy timeout set to `ms`, restored after. */
export const withBusyTimeout = <A>(db: Database.Database, ms: number, run: () => A): A => {
  const timeout = db.pragma("busy_timeout", { simple: true })
  db.pragma(`busy_timeout = ${ms}`)
  try {
    return run()
  } finally {
    db.pragma(`busy_timeout = ${Number(timeout)}`)
  }
}
