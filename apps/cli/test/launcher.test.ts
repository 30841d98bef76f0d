/**
 * Where an export's code comes from. The launcher runs an export in the
 * built-in formats from the bundle (dist/bundle/) on every thread, which
 * writes the same bytes as the installed modules; an export that loads
 * plugins (--plugin, --config, ./skyporter.config.json) runs the installed
 * modules, whose single copy of effect the plugins share. An import (no
 * plugins) runs from the bundle too. Every module that
 * any thread loads is recorded through `node --import`.
 */
import Database from "better-sqlite3"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  LAUNCHER,
  readExport,
  removeDir,
  type RunResult,
  sharedArchive,
  show,
  startCommand,
  tempDir,
  TEST_PLUGIN
} from "./support.js"

const DID = "did:plc:launcherlauncher2222222"
const POSTS = 2_500
const fx = sharedArchive(DID, POSTS)
const MODULE_LOG = fileURLToPath(new URL("./fixtures/module-log.mjs", import.meta.url))

let dir: string
let runs = 0
beforeAll(() => {
  dir = tempDir()
  writeFileSync(path.join(dir, "empty.json"), "{}")
})
afterAll(() => removeDir(dir))

interface Logged {
  readonly result: RunResult
  /** Threads that started (the main thread and the readers). */
  readonly threads: number
  /** URLs of the modules loaded, on any thread. */
  readonly modules: ReadonlyArray<string>
}

/** Runs `skyporter ARGS` in `cwd` with every thread's module loads recorded. */
const logged = async (args: ReadonlyArray<string>, cwd = dir): Promise<Logged> => {
  const log = path.join(dir, `modules-${++runs}.txt`)
  writeFileSync(log, "")
  const result = await startCommand(process.execPath, ["--import", MODULE_LOG, LAUNCHER, ...args], {
    cwd,
    env: { MODULE_LOG: log }
  }).done
  const lines = readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "")
  return {
    result,
    threads: lines.filter((l) => l.startsWith("thread ")).length,
    modules: lines.filter((l) => !l.startsWith("thread ") && !l.endsWith("/module-log-hooks.mjs"))
  }
}

const fromBundle = (url: string) => url.includes("/dist/bundle/")
const fromEffect = (url: string) => url.includes("/node_modules/effect/")
// The launcher itself and the native addon stay outside the bundle; Node's own modules are built in.
const outside = (url: string) =>
  url === pathToFileURL(LAUNCHER).href || url.includes("/node_modules/better-sqlite3/") || url.startsWith("node:")

const exportArgs = (format: string, out: string) => [
  "export",
  "--db",
  fx.db,
  "--did",
  DID,
  "--format",
  format,
  "--threads",
  "2",
  "--batch-size",
  "100",
  "--out",
  path.join(dir, out),
  "--quiet"
]

const published = (r: RunResult): string => {
  expect(r.code, show(r)).toBe(0)
  return r.stdout.trim()
}

describe("the launcher", () => {
  it.each(["json", "csv", "ndjson"])(
    "%s: runs from the bundle on every thread, writing what the installed modules write",
    async (format) => {
      const bundled = await logged(exportArgs(format, `bundled-${format}`))
      const installed = await logged([
        ...exportArgs(format, `installed-${format}`),
        "--config",
        path.join(dir, "empty.json")
      ])
      expect(bundled.threads, "the main thread and a reader").toBe(2)
      expect(bundled.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
      expect(bundled.modules.some((url) => url.endsWith("/dist/bundle/ReaderThread.js"))).toBe(true)
      expect(installed.modules.filter(fromBundle)).toEqual([])
      expect(installed.modules.some(fromEffect)).toBe(true)
      const a = readExport(published(bundled.result), format)
      const b = readExport(published(installed.result), format)
      expect(a.manifest.post_count).toBe(POSTS)
      expect(a.data.equals(b.data)).toBe(true)
      expect(a.manifest.files).toEqual(b.manifest.files)
    },
    120_000
  )

  it.each([
    ["--plugin PATH", ["--plugin", TEST_PLUGIN]],
    ["--plugin=PATH", [`--plugin=${TEST_PLUGIN}`]],
    ["--config FILE", ["--config", "empty.json"]],
    ["--config=FILE", ["--config=empty.json"]]
  ])(
    "an export with %s runs the installed modules",
    async (_, flags) => {
      const r = await logged([...exportArgs("json", `flag-${runs}`), ...flags])
      published(r.result)
      expect(r.modules.filter(fromBundle)).toEqual([])
      expect(r.modules.some(fromEffect)).toBe(true)
    },
    60_000
  )

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
