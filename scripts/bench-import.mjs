#!/usr/bin/env node
// The import benchmark: `skyporter import` of repository CARs of 100k and 1M
// posts (BENCH_IMPORT_SIZES, comma-separated; 2600000 makes a CAR of about
// 1.1 GB), as a real CLI subprocess into a new archive, reporting records and
// posts per second and peak RSS (median seconds of BENCH_RUNS, default 3).
// The CARs come from bench-car.mjs (made once into .bench-cache/).
//
// Targets: peak RSS under 250 MB at every size, and at the largest size no
// more than 1.25 × at the smallest (memory does not grow with the CAR). The
// figures go into bench-results.json under "import" (the file bench.mjs
// writes, the rest of it kept); the exit code is 1 when a target is missed.
import { spawn } from "node:child_process"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import * as path from "node:path"
import { benchCar } from "./bench-car.mjs"

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const cache = path.join(root, ".bench-cache")
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZES = (process.env.BENCH_IMPORT_SIZES ?? "100000,1000000")
  .split(",")
  .filter((s) => s !== "")
  .map(Number)
const RSS_LIMIT_MB = 250
const RSS_GROWTH = 1.25

/** Runs one import into a new archive; wall seconds and peak RSS (VmHWM) in MB. */
const importOnce = (car, db) =>
  new Promise((resolve, reject) => {
    rmSync(db, { force: true })
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [cli, "import", "--car", car, "--db", db, "--json"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    let peakKb = 0
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }
    const timer = setInterval(sample, 20)
    child.on("error", reject)
    child.on("close", (code) => {
      clearInterval(timer)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0) return reject(new Error(`import exited ${code}: ${stderr}`))
      resolve({ seconds, rssMb: peakKb / 1024, summary: JSON.parse(stdout) })
    })
  })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const rows = []
for (const n of SIZES) {
  const car = await benchCar(n)
  const db = path.join(cache, `import-${n}.db`)
  const runs = []
  for (let r = 0; r < RUNS; r++) runs.push(await importOnce(car, db))
  rmSync(db, { force: true })
  const seconds = median(runs.map((r) => r.seconds))
  const posts = runs[0].summary.posts
  if (posts !== n) throw new Error(`expected ${n} posts imported, got ${posts}`)
  rows.push({
    posts: n,
    car_mb: +(runs[0].summary.car_bytes / 2 ** 20).toFixed(1),
    blocks: runs[0].summary.blocks,
    records: runs[0].summary.records,
    seconds: +seconds.toFixed(2),
    posts_per_second: Math.round(n / seconds),
    records_per_second: Math.round(runs[0].summary.records / seconds),
    peak_rss_mb: Math.round(Math.max(...runs.map((r) => r.rssMb)))
  })
}
const checks = rows.map((r) => ({
  target: `import of ${r.posts} posts: ${r.records_per_second} records/s reported, peak RSS ${r.peak_rss_mb} MB under ${RSS_LIMIT_MB} MB`,
  ok: r.records_per_second > 0 && r.peak_rss_mb < RSS_LIMIT_MB
}))
if (rows.length > 1) {
  const small = rows.reduce((a, b) => (b.posts < a.posts ? b : a))
  const large = rows.reduce((a, b) => (b.posts > a.posts ? b : a))
  checks.push({
    target:
      `import peak RSS at ${large.posts} posts (${large.peak_rss_mb} MB) no more than ${RSS_GROWTH} × ` +
      `at ${small.posts} (${small.peak_rss_mb} MB)`,
    ok: large.peak_rss_mb <= RSS_GROWTH * small.peak_rss_mb
  })
}

const lines = [
  `skyporter import (median of ${RUNS} run${RUNS === 1 ? "" : "s"}, a new archive each run)`,
  "",
  "| posts | CAR (MB) | blocks | seconds | records/s | posts/s | peak RSS (MB) |",
  "|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.posts.toLocaleString("en-US")} | ${r.car_mb} | ${r.blocks.toLocaleString("en-US")} | ${r.seconds} | ` +
      `${r.records_per_second.toLocaleString("en-US")} | ${r.posts_per_second.toLocaleString("en-US")} | ${r.peak_rss_mb} |`
  ),
  "",
  ...checks.map((c) => `- ${c.ok ? "met" : "MISSED"}: ${c.target}`)
]
process.stdout.write(lines.join("\n") + "\n")

// Added to what bench.mjs wrote (a file of another shape, or none, is started afresh).
const resultsFile = path.join(root, "bench-results.json")
let results = {}
if (existsSync(resultsFile)) {
  try {
    results = JSON.parse(readFileSync(resultsFile, "utf8"))
  } catch {
    results = {}
  }
}
results.import = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "cpu", memoryGiB: Math.round(totalmem() / 2 ** 30) },
  node: process.version,
  runs: RUNS,
  rows,
  targets: checks
}
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n")
process.stderr.write("import figures written to bench-results.json\n")
if (checks.some((c) => !c.ok)) process.exitCode = 1
