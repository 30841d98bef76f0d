// Startup time of the `skyporter` CLI: `--version` and `--help`, each run
// BENCH_STARTUP_RUNS times (default 10) as a fresh `node` subprocess; the
// median wall time of the runs is the result. Build first (npm run build).
//
//   node scripts/bench-startup.mjs          prints a markdown table
//   import { startupRows } from "./bench-startup.mjs"
//     -> [{ command: "--version", medianSeconds, runs }, { command: "--help", ... }]
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")

export const COMMANDS = ["--version", "--help"]

const defaultRuns = () => {
  const raw = process.env.BENCH_STARTUP_RUNS
  if (raw === undefined || raw === "") return 10
  const runs = Number(raw)
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`BENCH_STARTUP_RUNS must be a whole number >= 1, got ${JSON.stringify(raw)}`)
  }
  return runs
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Wall seconds of one `node skyporter.js ARGS` run, from spawn to exit. */
const timeOnce = (args) => {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8"
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.error) throw r.error
  if (r.status !== 0) {
    throw new Error(`skyporter ${args.join(" ")} exited with ${r.status ?? r.signal}:\n${r.stderr}`)
  }
  return seconds
}

/**
 * Runs each of `--version` and `--help` `runs` times (default: env
 * BENCH_STARTUP_RUNS, else 10) and returns one row per command with the
 * median wall time in seconds.
 */
export async function startupRows({ runs = defaultRuns() } = {}) {
  if (!existsSync(path.join(root, "apps/cli/dist/bin.js"))) {
    throw new Error("apps/cli/dist/bin.js is missing: build first (npm run build)")
  }
  const rows = []
  for (const command of COMMANDS) {
    const times = []
    for (let i = 0; i < runs; i++) times.push(timeOnce([command]))
    rows.push({ command, medianSeconds: median(times), runs })
  }
  return rows
}

/** The rows as a small markdown table. */
export const toMarkdown = (rows) =>
  [
    "| command | median wall (s) | runs |",
    "|---|---:|---:|",
    ...rows.map((r) => `| \`skyporter ${r.command}\` | ${r.medianSeconds.toFixed(3)} | ${r.runs} |`)
  ].join("\n")

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(toMarkdown(await startupRows()))
}
