/**
 * The launcher's other formats and flag spellings (json and a
 * ./skyporter.config.json: launcher.test.ts): each export runs from the
 * bundle and writes what the installed modules write, and each way of naming
 * plugins or a config file runs the installed modules. A large archive's
 * export keeps a heap size and arena count given to it, and SKYPORTER_TUNED
 * skips starting again (the tuned start itself: launcher.test.ts); a small
 * archive with a large -wal file starts again too, and so does an import of a
 * CAR from 256 MiB.
 */
import Database from "better-sqlite3"
import { copyFileSync, existsSync, truncateSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  asStarted,
  bundledLikeInstalled,
  dir,
  FLAGS,
  fx,
  installedWith,
  POSTS,
  recordStarts,
  TUNED_EXPORT_BYTES,
  TUNED_IMPORT_BYTES,
  tunedStarts,
  useLargeArchive,
  useLauncherRuns
} from "./launcher-runs.js"
import { readExport, show } from "./support.js"

useLauncherRuns()

describe("the launcher", () => {
  bundledLikeInstalled(["csv", "ndjson"])
  installedWith(FLAGS)
})

describe("an export of a large archive", () => {
  const { canStartAgain, large, started } = useLargeArchive()

  it("keeps a heap size and arena count given to it, and SKYPORTER_TUNED skips starting again", async () => {
    const given = await started(large(), { MALLOC_ARENA_MAX: "4" }, ["--max-semi-space-size=16"])
    expect(given.starts.at(-1)).toEqual({ pid: given.pid, semiSpace: ["--max-semi-space-size=16"], arenas: "4" })
    expect(given.starts.length).toBe(canStartAgain ? 2 : 1)
    const viaOptions = await started(large(), { NODE_OPTIONS: "--max-semi-space-size=16" })
    expect(viaOptions.starts.at(-1)?.semiSpace, "NODE_OPTIONS' size is kept").toEqual([])
    expect(viaOptions.starts.at(-1)?.arenas).toBe(canStartAgain ? "2" : null)
    const skipped = await started(large(), { SKYPORTER_TUNED: "1" })
    expect(skipped.starts).toEqual(asStarted(skipped.pid))
  }, 60_000)

  it("counts a WAL-mode archive's -wal file: a small archive whose WAL is large starts again too", async () => {
    const db = path.join(dir, "wal.db")
    copyFileSync(fx.db, db)
    // A connection left open keeps the WAL (the last one to close checkpoints it into the archive).
    const holder = new Database(db)
    try {
      holder.pragma("journal_mode = WAL")
      holder.pragma("wal_autocheckpoint = 0")
      holder.exec("UPDATE posts SET text = text || ''")
      // Past the launcher's threshold with a hole at its end: SQLite stops at the last valid frame.
      truncateSync(`${db}-wal`, TUNED_EXPORT_BYTES)
      const r = await started(db)
      expect(r.starts).toEqual(tunedStarts(r.pid))
      expect(readExport(r.published, "json").manifest.post_count).toBe(POSTS)
    } finally {
      holder.close()
    }
  }, 60_000)
})

describe("an import of a large CAR", () => {
  it("starts again in place from 256 MiB, tuned as a large export is; a byte under runs as started", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(dir, "large-import.car")
    writeFileSync(car, built.car)
    // Zeros after the repository's blocks make the file that large: it is refused once started.
    for (const [bytes, starts] of [
      [TUNED_IMPORT_BYTES, tunedStarts],
      [TUNED_IMPORT_BYTES - 1, asStarted]
    ] as const) {
      truncateSync(car, bytes)
      const db = path.join(dir, `import-${bytes}.db`)
      const r = await recordStarts(["import", "--car", car, "--db", db, "--quiet"])
      expect(r.starts, `${bytes} bytes`).toEqual(starts(r.pid))
      expect(r.result.code, show(r.result)).toBe(2)
      expect(r.result.stderr).toContain(`empty block section at byte ${built.car.length} (the file is damaged)`)
      expect(existsSync(db), "no archive is left").toBe(false)
    }
  }, 60_000)
})
