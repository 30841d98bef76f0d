/**
 * Waiting for a locked archive without holding up this thread.
 *
 * SQLite's busy handler sleeps inside the call that met the lock, where no
 * signal handler and no interrupt can run: a process waiting out a 5 s busy
 * timeout would ignore Ctrl-C for as long. So a wait on the main thread is
 * cut into attempts that each wait at most `ATTEMPT_MS` in SQLite, with an
 * `Effect.sleep` between them, where an interrupt ends the wait at once.
 */
import type Database from "better-sqlite3"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { isBusy, withBusyTimeout } from "./internal/Busy.js"

export { isBusy, withBusyTimeout }

/** How long a locked archive is waited for before it is reported, in ms. */
export const DEFAULT_LIMIT_MS = 5_000

/** The longest one attempt waits in SQLite's busy handler, in ms: an interrupt waits at most this long. */
export const ATTEMPT_MS = 50

/** Between attempts: the event loop runs (signals, interrupts) while the other process works. */
const PAUSE = "10 millis"

/** The busy timeout of one attempt within a wait of `limitMs`. */
export const attemptTimeout = (limitMs: number): number => Math.max(0, Math.min(ATTEMPT_MS, limitMs))

/**
 * Runs `attempt` again while it fails with SQLITE_BUSY, until `limitMs` have
 * passed; then fails with its last error. An attempt that opens its own
 * connection gives it `attemptTimeout(limitMs)` as busy timeout.
 */
export const retry = <A, E, R>(attempt: Effect.Effect<A, E, R>, limitMs = DEFAULT_LIMIT_MS): Effect.Effect<A, E, R> =>
  Effect.retry(attempt, {
    schedule: Schedule.spaced(PAUSE).pipe(Schedule.upTo({ duration: Duration.millis(limitMs) })),
    while: isBusy
  })

/**
 * Runs the synchronous SQLite call `run` on `db` in short attempts (see
 * `retry`) for up to `limitMs`; fails with what it last threw.
 */
export const on = <A>(db: Database.Database, run: () => A, limitMs = DEFAULT_LIMIT_MS): Effect.Effect<A, unknown> =>
  retry(Effect.try({ try: () => withBusyTimeout(db, attemptTimeout(limitMs), run), catch: (e) => e }), limitMs)
