import Database from "better-sqlite3"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Archive from "../dist/Archive.js"
import * as DateRange from "../dist/DateRange.js"
import { holdsAtMost } from "../dist/internal/Parallelism.js"
import { archive, posts } from "./helpers.js"

const did = "did:plc:test"
const range = (dates: { since?: string; until?: string } = {}) => Effect.runSync(DateRange.make(dates))

/** Runs `f` with the archive's own connection, as an export has it. */
const withArchive = <A>(file: string, f: (db: Archive.ArchiveShape["database"]) => A): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.map(Archive.open({ path: file }), (a) => f(a.database))))

describe("holdsAtMost", () => {
  it("says whether the selection holds at most n posts, within a date range too", async () => {
    // One post a minute back from 2024-06-01T00:00Z: one on June 1, the other 1,000 on May 31.
    const file = archive(posts(1_001))
    await withArchive(file, (db) => {
      expect(holdsAtMost(db, { did, range: range() }, 1_000)).toBe(false)
      expect(holdsAtMost(db, { did, range: range() }, 1_001)).toBe(true)
      expect(holdsAtMost(db, { did: "did:plc:nobody", range: range() }, 0)).toBe(true)
      const may31 = range({ since: "2024-05-31", until: "2024-05-31" })
      expect(holdsAtMost(db, { did, range: may31 }, 999)).toBe(false)
      expect(holdsAtMost(db, { did, range: may31 }, 1_000)).toBe(true)
      expect(holdsAtMost(db, { did, range: range({ since: "2024-06-01" }) }, 1)).toBe(true)
    })
  })

  it("answers no at once while a writer holds the archive, and keeps the connection's busy timeout", async () => {
    const file = archive(posts(10))
    const writer = new Database(file)
    try {
      await withArchive(file, (db) => {
        const timeout = db.pragma("busy_timeout", { simple: true })
        expect(timeout).toBeGreaterThan(1_000)
        writer.exec("BEGIN EXCLUSIVE")
        const started = Date.now()
        expect(holdsAtMost(db, { did, range: range() }, 1_000)).toBe(false)
        // Without waiting out the busy timeout.
        expect(Date.now() - started).toBeLessThan(Number(timeout))
        expect(db.pragma("busy_timeout", { simple: true })).toBe(timeout)
        writer.exec("ROLLBACK")
        expect(holdsAtMost(db, { did, range: range() }, 1_000)).toBe(true)
      })
    } finally {
      writer.close()
    }
  })
})
