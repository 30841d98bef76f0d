/**
 * The launcher's other formats and flag spellings (json and a
 * ./skyporter.config.json: launcher.test.ts): each export runs from the
 * bundle and writes what the installed modules write, and each way of naming
 * plugins or a config file runs the installed modules. A large archive's
 * export keeps a heap size and arena count given to it, and SKYPORTER_TUNED
 * skips starting again (the tuned start itself: launcher.test.ts).
 */
import { describe, expect, it } from "vitest"
import {
  asStarted,
  bundledLikeInstalled,
  FLAGS,
  installedWith,
  useLargeArchive,
  useLauncherRuns
} from "./launcher-runs.js"

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
})
