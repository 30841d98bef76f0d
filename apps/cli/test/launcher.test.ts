/**
 * Where an export's code comes from. The launcher runs an export in the
 * built-in formats from the bundle (dist/bundle/) on every thread, which
 * writes the same bytes as the installed modules; an export that loads
 * plugins (--plugin, --config, ./skyporter.config.json) runs the installed
 * modules, whose single copy of effect the plugins share. An import (no
 * plugins) runs from the bundle too. Every module that
 * any thread loads is recorded through `node --import`. The other formats
 * and flag spellings: launcher.long.test.ts.
 */
import Database from "better-sqlite3"
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  bundledLikeInstalled,
  dir,
  exportArgs,
  FLAGS,
  fromBundle,
  fromEffect,
  fx,
  installedWith,
  logged,
  outside,
  POSTS,
  published
} from "./launcher-runs.js"
import { LAUNCHER, readExport, startCommand } from "./support.js"

const START_LOG = fileURLToPath(new URL("./fixtures/start-log.mjs", import.meta.url))
let largeRuns = 0

describe("the launcher", () => {
  bundledLikeInstalled(["json"])
  installedWith(FLAGS.slice(0, 1))

  it("an import runs from the bundle and writes the repository's posts", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(dir, "repo.car")
    writeFileSync(car, built.car)
    const db = path.join(dir, "imported.db")
    const r = await logged(["import", "--car", car, "--db", db, "--quiet"])
    expect(published(r.result)).toBe(db)
    expect(r.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    expect(r.modules.some((url) => url.endsWith("/dist/bundle/bin.js"))).toBe(true)
    const archive = new Database(db, { readonly: true })
    try {
      expect(archive.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(Repos.DID)).toBe(34)
    } finally {
      archive.close()
    }
  }, 60_000)

  it("an export where ./skyporter.config.json is present runs the installed modules", async () => {
    const cwd = path.join(dir, "with-config")
    mkdirSync(cwd)
    writeFileSync(path.join(cwd, "skyporter.config.json"), "{}")
    const r = await logged(exportArgs("csv", "cwd-config"), cwd)
    published(r.result)
    expect(r.modules.filter(fromBundle)).toEqual([])
    expect(r.modules.some(fromEffect)).toBe(true)
  }, 60_000)
})

interface Start {
  readonly pid: number
  readonly semiSpace: ReadonlyArray<string>
  readonly arenas: string | null
}

describe("an export of a large archive", () => {
  // The launcher's threshold (TUNE_FROM_BYTES): the archive is made that large
  // with a hole at its end, which SQLite never reads (its header gives its size).
  const LARGE = 256 * 1024 * 1024
  const canStartAgain = typeof (process as { execve?: unknown }).execve === "function" && process.platform !== "win32"

  /** Exports `db` as json with every start of the main thread recorded. */
  const started = async (db: string, env: Record<string, string> = {}, flags: ReadonlyArray<string> = []) => {
    const log = path.join(dir, `starts-${++largeRuns}.txt`)
    writeFileSync(log, "")
    const args = [...flags, "--import", START_LOG, LAUNCHER, ...exportArgs("json", `large-${largeRuns}`, db)]
    const running = startCommand(process.execPath, args, { cwd: dir, env: { START_LOG: log, ...env } })
    const result = await running.done
    const starts = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Start)
    return { pid: running.child.pid, starts, published: published(result) }
  }

  let large: string
  beforeAll(() => {
    large = path.join(dir, "large.db")
    copyFileSync(fx.db, large)
    truncateSync(large, LARGE)
  })

  it("starts again in place, with a 24 MB young generation and two allocator arenas", async () => {
    const r = await started(large)
    const untuned = { pid: r.pid, semiSpace: [], arenas: null }
    expect(r.starts).toEqual(
      canStartAgain ? [untuned, { pid: r.pid, semiSpace: ["--max-semi-space-size=8"], arenas: "2" }] : [untuned]
    )
    const small = await started(fx.db)
    expect(small.starts, "a small archive runs as started").toEqual([{ pid: small.pid, semiSpace: [], arenas: null }])
    const a = readExport(r.published, "json")
    const b = readExport(small.published, "json")
    expect(a.manifest.post_count).toBe(POSTS)
    expect(a.data.equals(b.data)).toBe(true)
  }, 60_000)

  it("keeps a heap size and arena count given to it, and SKYPORTER_TUNED skips starting again", async () => {
    const given = await started(large, { MALLOC_ARENA_MAX: "4" }, ["--max-semi-space-size=16"])
    expect(given.starts.at(-1)).toEqual({ pid: given.pid, semiSpace: ["--max-semi-space-size=16"], arenas: "4" })
    expect(given.starts.length).toBe(canStartAgain ? 2 : 1)
    const viaOptions = await started(large, { NODE_OPTIONS: "--max-semi-space-size=16" })
    expect(viaOptions.starts.at(-1)?.semiSpace, "NODE_OPTIONS' size is kept").toEqual([])
    expect(viaOptions.starts.at(-1)?.arenas).toBe(canStartAgain ? "2" : null)
    const skipped = await started(large, { SKYPORTER_TUNED: "1" })
    expect(skipped.starts).toEqual([{ pid: skipped.pid, semiSpace: [], arenas: null }])
  }, 60_000)
})
