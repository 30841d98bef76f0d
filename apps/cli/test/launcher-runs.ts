/**
 * The launcher's runs, every module they load recorded, for launcher.test.ts
 * and launcher.long.test.ts: where a command's code comes from. The launcher
 * runs from the bundle (dist/bundle/) `import`, `seed`, `accounts`, and
 * `export`, `serve` and `formats` in the built-in formats, on every thread,
 * which writes the same bytes as the installed modules; a command that loads
 * plugins (--plugin, --config, ./skyporter.config.json) runs the installed
 * modules, whose single copy of effect the plugins share. Every module that any
 * thread loads is recorded through `node --import`. A large archive's export,
 * and a large CAR's import, start again in place, tuned (`useLargeArchive`,
 * `recordStarts`).
 */
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
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
export const MODULE_LOG = fileURLToPath(new URL("./fixtures/module-log.mjs", import.meta.url))

/** The archive of the calling file's runs (see `useLauncherRuns`). */
export const fx = { dir: "", db: "" }
export let dir: string
let runs = 0

/**
 * Makes the archive and folder of the runs before the calling file's tests and removes them
 * after. Each file calls it: files that share one module graph (`isolate: false`) then each get
 * their own, one after another.
 */
export const useLauncherRuns = (): void => {
  const shared = sharedArchive(DID, POSTS)
  beforeAll(() => {
    Object.assign(fx, shared)
    dir = tempDir()
    writeFileSync(path.join(dir, "empty.json"), "{}")
  })
  afterAll(() => removeDir(dir))
}

interface Logged {
  readonly result: RunResult
  /** Threads that started (the main thread and the readers). */
  readonly threads: number
  /** URLs of the modules loaded, on any thread. */
  readonly modules: ReadonlyArray<string>
}

/** Runs `skyporter ARGS` in `cwd` with every thread's module loads recorded. */
export const logged = async (args: ReadonlyArray<string>, cwd = dir): Promise<Logged> => {
  const log = newModuleLog()
  const result = await startCommand(process.execPath, ["--import", MODULE_LOG, LAUNCHER, ...args], {
    cwd,
    env: { MODULE_LOG: log }
  }).done
  return { result, ...readModuleLog(log) }
}

/** A `MODULE_LOG` file: the threads that started and the modules they loaded. */
export const readModuleLog = (log: string): Omit<Logged, "result"> => {
  const lines = readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "")
  return {
    threads: lines.filter((l) => l.startsWith("thread ")).length,
    modules: lines.filter((l) => !l.startsWith("thread ") && !l.endsWith("/module-log-hooks.mjs"))
  }
}

/** A fresh, empty module log file in `dir`. */
export const newModuleLog = (): string => {
  const log = path.join(dir, `modules-${++runs}.txt`)
  writeFileSync(log, "")
  return log
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

/**
 * For each format: the export runs from the bundle on every thread and writes what the installed
 * modules write. They run for `--config FILE`, or (`cwdConfig`) for a ./skyporter.config.json in
 * the working directory: one run then also shows that such a file alone runs them.
 */
export const bundledLikeInstalled = (formats: ReadonlyArray<string>, { cwdConfig = false } = {}) =>
  it.each(formats)(
    `%s: runs from the bundle on every thread, writing what the installed modules write (run for ${
      cwdConfig ? "./skyporter.config.json" : "--config FILE"
    })`,
    async (format) => {
      const bundled = await logged(exportArgs(format, `bundled-${format}`))
      const args = exportArgs(format, `installed-${format}`)
      let installed: Logged
      if (cwdConfig) {
        const cwd = path.join(dir, `with-config-${format}`)
        mkdirSync(cwd)
        writeFileSync(path.join(cwd, "skyporter.config.json"), "{}")
        installed = await logged(args, cwd)
      } else {
        installed = await logged([...args, "--config", path.join(dir, "empty.json")])
      }
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

export interface Start {
  readonly pid: number
  readonly semiSpace: ReadonlyArray<string>
  readonly arenas: string | null
}

/** `node --import` it, with START_LOG naming a file, to record each start of a process's main thread. */
export const START_LOG = fileURLToPath(new URL("./fixtures/start-log.mjs", import.meta.url))
let startLogs = 0
let largeExports = 0

/** `node --import` it, with LATE_SIGNAL naming a signal, to receive that signal as the process exits. */
export const LATE_SIGNAL = fileURLToPath(new URL("./fixtures/late-signal.mjs", import.meta.url))

/** The starts a START_LOG file recorded. */
export const readStarts = (log: string): Array<Start> =>
  readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Start)

/** Whether this Node can start a process again in place (process.execve), as the launcher does to tune it. */
export const canStartAgain =
  typeof (process as { execve?: unknown }).execve === "function" && process.platform !== "win32"

/** The launcher's threshold for starting an export again (TUNE_EXPORT_FROM_BYTES in bin/skyporter.js). */
export const TUNED_EXPORT_BYTES = 2 * 1024 * 1024 * 1024

/** A process's one start, as it was started: no heap flag, glibc's own arena count. */
export const asStarted = (pid: number | undefined) => [{ pid, semiSpace: [], arenas: null }]

/** A long run's starts: as started, then again in place with a 24 MB young generation and two arenas. */
export const tunedStarts = (pid: number | undefined) =>
  canStartAgain ? [...asStarted(pid), { pid, semiSpace: ["--max-semi-space-size=8"], arenas: "2" }] : asStarted(pid)

/** The launcher's threshold for starting an import again (TUNE_IMPORT_FROM_BYTES in bin/skyporter.js). */
export const TUNED_IMPORT_BYTES = 256 * 1024 * 1024

/** Runs the launcher with `args`, every start of its main thread recorded. */
export const recordStarts = async (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  flags: ReadonlyArray<string> = []
) => {
  const log = path.join(dir, `starts-${++startLogs}.txt`)
  writeFileSync(log, "")
  const running = startCommand(process.execPath, [...flags, "--import", START_LOG, LAUNCHER, ...args], {
    cwd: dir,
    env: { START_LOG: log, ...env }
  })
  const result = await running.done
  return { pid: running.child.pid, starts: readStarts(log), result }
}

/**
 * An archive at the launcher's threshold, made before the calling file's tests, and `started`: a
 * json export with every start of its main thread recorded.
 */
export const useLargeArchive = () => {
  // The archive is made that large with a hole at its end, which SQLite never reads (its header gives its size).
  const LARGE = TUNED_EXPORT_BYTES
  let large = ""
  beforeAll(() => {
    large = path.join(dir, "large.db")
    copyFileSync(fx.db, large)
    truncateSync(large, LARGE)
  })
  const started = async (db: string, env: Record<string, string> = {}, flags: ReadonlyArray<string> = []) => {
    const { pid, starts, result } = await recordStarts(exportArgs("json", `large-${++largeExports}`, db), env, flags)
    return { pid, starts, published: published(result) }
  }
  return { canStartAgain, large: () => large, started }
}
