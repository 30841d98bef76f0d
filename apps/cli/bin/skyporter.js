#!/usr/bin/env node
// Committed launcher so `npm ci` can link the binary before `dist/` is built.
//
// Node loads a few large files far faster than effect's hundreds of small
// modules, so whatever can run from the bundle (dist/bundle/) does: help, the
// version, `import`, `seed` and `accounts` (they load no plugins), and
// `export`, `serve` and `formats` when they need only the built-in formats.
// A command that loads plugins (--plugin, --config or ./skyporter.config.json)
// loads the packages as installed instead: a plugin then shares one copy of
// `effect` (its options schema, its effects) with the core that runs it.
import { existsSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"

const ANSWERED_BY_THE_TREE = new Set(["--help", "-h", "--version", "-v"])
const args = process.argv.slice(2)

// An export or import of a large file, and a server (its exports follow one
// another for as long as it runs), start again in place with a young
// generation of 24 MB (the reader threads' size) and two allocator arenas:
// with V8's and glibc's defaults memory grows with the run's length
// (docs/performance.md, "10 million posts"). Both are fixed when a process
// starts; starting again costs one Node start, paid only where a run is
// long: an export under 2 GiB ends before its memory grows, so it runs as
// started (imports keep their lower threshold, not measured again).
// process.execve keeps the pid and the open files; Node 20 and Windows lack
// it and run as they are. SKYPORTER_TUNED in the environment skips it.
const TUNE_EXPORT_FROM_BYTES = 2 * 1024 * 1024 * 1024
const TUNE_IMPORT_FROM_BYTES = 256 * 1024 * 1024
const flagAt = (name) => args.findIndex((a) => a === name || a.startsWith(`${name}=`))
const flagged = (name) => flagAt(name) >= 0
const valueOf = (name) => {
  const at = flagAt(name)
  if (at < 0) return undefined
  return args[at].startsWith(`${name}=`) ? args[at].slice(name.length + 1) : args[at + 1]
}
const inputBytes = (file) => {
  try {
    return file === undefined ? 0 : statSync(file).size
  } catch {
    return 0
  }
}
const input = args[0] === "export" ? valueOf("--db") : args[0] === "import" ? valueOf("--car") : undefined
// A WAL-mode archive's posts may still be in its -wal file, which is read as much as the archive.
const bytes = inputBytes(input) + (args[0] === "export" && input !== undefined ? inputBytes(`${input}-wal`) : 0)
if (
  process.env.SKYPORTER_TUNED === undefined &&
  typeof process.execve === "function" &&
  process.platform !== "win32" &&
  (bytes >= (args[0] === "export" ? TUNE_EXPORT_FROM_BYTES : TUNE_IMPORT_FROM_BYTES) || args[0] === "serve")
) {
  const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((f) =>
    f.startsWith("--max-semi-space-size")
  )
  const flags = own ? process.execArgv : [...process.execArgv, "--max-semi-space-size=8"]
  try {
    process.execve(process.execPath, [process.execPath, ...flags, fileURLToPath(import.meta.url), ...args], {
      ...process.env,
      SKYPORTER_TUNED: "1",
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2"
    })
  } catch {
    // Run untuned rather than not at all.
  }
}

// skyporter.config.json: CONFIG_FILE in src/Cli.ts.
const exporting = args[0] === "export"
const LOADING_PLUGINS = new Set(["export", "serve", "formats"])
const NEVER_LOADING_PLUGINS = new Set(["import", "seed", "accounts"])
const plain =
  LOADING_PLUGINS.has(args[0]) && !flagged("--plugin") && !flagged("--config") && !existsSync("skyporter.config.json")
const bundled =
  args.length === 0 || args.some((a) => ANSWERED_BY_THE_TREE.has(a)) || plain || NEVER_LOADING_PLUGINS.has(args[0])
const dist = bundled ? "../dist/bundle" : "../dist"
// An archive this small holds about one batch of posts (a thousand take
// about 1 MB), which the main thread encodes alone: no reader is started.
const PREWARM_FROM_BYTES = 1024 * 1024
if (args[0] === "serve" || exporting) {
  // Reader threads start from the CLI's own entry, whenever an export starts
  // them (a server's, or one of many small batches): from the bundle, a thread
  // then holds the bundle's built-in plugins and its one copy of effect.
  const { prewarm, useReaderThreads } = await import(`${dist}/Prewarm.js`)
  if (exporting && bytes >= PREWARM_FROM_BYTES) {
    // An export's reader threads load their modules while the CLI loads its
    // own (Prewarm loads nothing else). The export validates --threads;
    // prewarm starts the default for a count it cannot use.
    const threads = valueOf("--threads")
    prewarm(threads === undefined ? undefined : Number(threads))
  } else {
    useReaderThreads()
  }
}
await import(`${dist}/bin.js`)
