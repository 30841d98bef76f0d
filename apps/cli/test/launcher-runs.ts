/**
 * The launcher's runs, every module they load recorded, for launcher.test.ts
 * and launcher.long.test.ts. Where an export's code comes from. The launcher runs an export in the
 * built-in formats from the bundle (dist/bundle/) on every thread, which
 * writes the same bytes as the installed modules; an export that loads
 * plugins (--plugin, --config, ./skyporter.config.json) runs the installed
 * modules, whose single copy of effect the plugins share. An import (no
 * plugins) runs from the bundle too. Every module that
 * any thread loads is recorded through `node --import`.
 */
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, expect, it } from "vitest"
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

export const DID = "did:plc:launcherlauncher2222222"
export const POSTS = 2_500
export const fx = sharedArchive(DID, POSTS)
const MODULE_LOG = fileURLToPath(new URL("./fixtures/module-log.mjs", import.meta.url))

export let dir: string
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
export const logged = async (args: ReadonlyArray<string>, cwd = dir): Promise<Logged> => {
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

export const fromBundle = (url: string) => url.includes("/dist/bundle/")
export const fromEffect = (url: string) => url.includes("/node_modules/effect/")
// The launcher itself and the native addon stay outside the bundle; Node's own modules are built in.
export const outside = (url: string) =>
  url === pathToFileURL(LAUNCHER).href || url.includes("/node_modules/better-sqlite3/") || url.startsWith("node:")

export const exportArgs = (format: string, out: string, db = fx.db) => [
  "export",
  "--db",
  db,
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

export const published = (r: RunResult): string => {
  expect(r.code, show(r)).toBe(0)
  return r.stdout.trim()
}

/** For each format: the export runs from the bundle on every thread and writes what the installed modules write. */
export const bundledLikeInstalled = (formats: ReadonlyArray<string>) =>
  it.each(formats)(
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

/** The export flags that make the launcher run the installed modules. */
export const FLAGS: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["--plugin PATH", ["--plugin", TEST_PLUGIN]],
  ["--plugin=PATH", [`--plugin=${TEST_PLUGIN}`]],
  ["--config FILE", ["--config", "empty.json"]],
  ["--config=FILE", ["--config=empty.json"]]
]

/** For each flag: an export with it runs the installed modules. */
export const installedWith = (cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]>) =>
  it.each(cases)(
    "an export with %s runs the installed modules",
    async (_, flags) => {
      const r = await logged([...exportArgs("json", `flag-${runs}`), ...flags])
      published(r.result)
      expect(r.modules.filter(fromBundle)).toEqual([])
      expect(r.modules.some(fromEffect)).toBe(true)
    },
    60_000
  )
