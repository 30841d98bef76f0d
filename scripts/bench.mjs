#!/usr/bin/env node
// `npm run bench`: export throughput and peak memory, measured side by side.
// Seeds 100k- and 1M-post archives once into .bench-cache/ (git-ignored), then
// runs each export RUNS times as a real CLI subprocess and reports medians.
// When the sqlite3 shell is installed, the same ordered query dumped by
// `sqlite3 -json` / `sqlite3 -csv` is timed in the same run, as a baseline.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const cache = path.join(root, ".bench-cache")
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number)
const DID = "did:plc:skyporterdemo22222222222"

mkdirSync(cache, { recursive: true })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Runs a command, sampling its peak RSS (VmHWM) from /proc while it runs. */
const measure = (cmd, args, stdoutFile) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(cmd, args, { stdio: ["ignore", stdoutFile ? "pipe" : "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    let out
    if (stdoutFile) {
      out = (async () => {
        const { createWriteStream } = await import("node:fs")
        const { pipeline } = await import("node:stream/promises")
        await pipeline(child.stdout, createWriteStream(stdoutFile))
      })()
    }
    let peakKb = 0
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
        const m = /VmHWM:\s+(\d+) kB/.exec(status)
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }
    const timer = setInterval(sample, 20)
    child.on("exit", async (code) => {
      clearInterval(timer)
      await out
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${stderr}`))
      else resolve({ seconds, peakMb: peakKb / 1024 })
    })
  })

const seeded = (n) => {
  const file = path.join(cache, `archive-${n}.db`)
  if (existsSync(file)) return file
  process.stderr.write(`seeding ${n} posts (once; cached in .bench-cache/)… `)
  const t = Date.now()
  const tmp = `${file}.partial`
  rmSync(tmp, { force: true })
  const r = spawnSync(process.execPath, [cli, "seed", "--db", tmp, "--posts", String(n), "--did", DID], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  if (r.status !== 0) throw new Error("seed failed")
  renameSync(tmp, file)
  process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)}s\n`)
  return file
}

const hasSqlite = spawnSync("sqlite3", ["-version"]).status === 0
const QUERY = `SELECT uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count, reply_count,
  quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at FROM posts
  WHERE did = '${DID}' ORDER BY created_at DESC, uri ASC`

const rows = []
for (const n of SIZES) {
  const db = seeded(n)
  for (const format of ["json", "csv"]) {
    const ours = []
    const theirs = []
    for (let i = 0; i < RUNS; i++) {
      const out = mkdtempSync(path.join(cache, "out-"))
      ours.push(await measure(process.execPath, [cli, "export", "--db", db, "--did", DID, "--format", format, "--out", out, "--quiet"]))
      rmSync(out, { recursive: true, force: true })
      if (hasSqlite) {
        const dump = path.join(cache, `dump.${format}`)
        const args = format === "json" ? ["-readonly", "-json", db, QUERY] : ["-readonly", "-csv", "-header", db, QUERY]
        theirs.push(await measure("sqlite3", args, dump))
        rmSync(dump, { force: true })
      }
    }
    const s = median(ours.map((r) => r.seconds))
    const row = {
      posts: n,
      format,
      seconds: s,
      postsPerSecond: n / s,
      peakMb: median(ours.map((r) => r.peakMb)),
      sqliteSeconds: hasSqlite ? median(theirs.map((r) => r.seconds)) : undefined
    }
    rows.push(row)
    process.stderr.write(`${n} ${format}: ${s.toFixed(2)}s, ${Math.round(row.postsPerSecond)} posts/s, ${row.peakMb.toFixed(0)} MB\n`)
  }
}

const fmt = (x, d = 2) => (x === undefined ? "–" : x.toFixed(d))
const lines = [
  `skyporter bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; median of ${RUNS} runs`,
  "",
  "| posts | format | seconds | posts/s | peak RSS (MB) | sqlite3 shell (s) | skyporter ÷ sqlite3 time |",
  "|---:|---|---:|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.posts.toLocaleString("en-US")} | ${r.format} | ${fmt(r.seconds)} | ${Math.round(r.postsPerSecond).toLocaleString("en-US")} | ` +
      `${fmt(r.peakMb, 0)} | ${fmt(r.sqliteSeconds)} | ${r.sqliteSeconds ? fmt(r.seconds / r.sqliteSeconds) : "–"} |`
  )
]
process.stdout.write(lines.join("\n") + "\n")
