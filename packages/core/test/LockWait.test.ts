import Database from "better-sqlite3"
import { Cause, Effect, Exit, Fiber } from "effect"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as LockWait from "../dist/LockWait.js"
import { tempDir } from "./helpers.js"

/** Two connections to one new file: `holder` holds it locked (BEGIN EXCLUSIVE), `waiter` (busy timeout 5 s) wants to read. */
const lockedFile = () => {
  const file = path.join(tempDir(), "locked.db")
  const holder = new Database(file)
  holder.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
  holder.exec("BEGIN EXCLUSIVE")
  const waiter = new Database(file, { timeout: 5_000 })
  opened.push(holder, waiter)
  return { holder, waiter, read: () => waiter.prepare("SELECT x FROM t").pluck().get() }
}
const opened: Array<Database.Database> = []
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close()
})

describe("LockWait.on", () => {
  it("waits for the lock in attempts, runs once it is released, and keeps the connection's busy timeout", async () => {
    const { holder, waiter, read } = lockedFile()
    // The timer fires only because the wait leaves this thread free between attempts.
    setTimeout(() => holder.exec("ROLLBACK"), 300)
    expect(await Effect.runPromise(LockWait.on(waiter, read, 5_000))).toBe(1)
    expect(waiter.pragma("busy_timeout", { simple: true })).toBe(5_000)
  })

  it("fails with SQLite's busy error once the limit passed", async () => {
    const { waiter, read } = lockedFile()
    const startedAt = Date.now()
    const exit = await Effect.runPromiseExit(LockWait.on(waiter, read, 300))
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300)
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect((error as { code?: string } | undefined)?.code).toBe("SQLITE_BUSY")
  })

  it("ends the wait when interrupted, long before the limit", async () => {
    const { waiter, read } = lockedFile()
    const fiber = Effect.runFork(LockWait.on(waiter, read, 5_000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const interruptedAt = Date.now()
    await Effect.runPromise(Fiber.interrupt(fiber))
    // Within one attempt's wait in SQLite (ATTEMPT_MS), not the 5 s a busy timeout would hold this thread.
    expect(Date.now() - interruptedAt).toBeLessThan(1_000)
    const exit = await Effect.runPromise(Fiber.await(fiber))
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true)
    expect(waiter.pragma("busy_timeout", { simple: true })).toBe(5_000)
  })
})
