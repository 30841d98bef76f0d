#!/usr/bin/env node
// `npm run bench`: export throughput and peak memory, measured side by side.
// Seeds 100k- and 1M-post archives once into .bench-cache/ (git-ignored), then
// runs each export RUNS times as a real CLI subprocess and reports medians.
// When the sqlite3 shell is installed, the same ordered query dumped by
// `sqlite3 -json` / `sqlite3 -csv` is timed in the same run, as a baseline,
// on two states of each archive:
// - as bskyarchive writes it (its own indexes only; `archive-N.bskyarchive.db`,
//   made once from the seeded archive). The shell then sorts the selection;
//   skyporter's side is its first export of that file, which adds its
//   export-order index (the index is dropped again, untimed, after each run);
// - with skyporter's export-order index, as the archive is after a first
//   export: both sides walk the index.
// BENCH_MEDIA=1 adds media: an export copying ≥ 1 GiB of media files (made
// once in .bench-cache/), as a folder (--media) and as a ZIP (--media --zip),
// the two in turn; the ZIP must publish at ≥ 250 MiB/s and peak RSS stay under
// 300 MB. BENCH_MEDIA_BASELINE=<another checkout, built> runs its CLI in the
// same turns, for a before/after. BENCH_SIZES= (empty) skips the post runs.
//
// Targets, checked here (the exit code is 1 when one is missed):
// - at 1,000,000 posts each format's first export of the archive as
//   bskyarchive writes it takes no longer than the sqlite3 shell dumping the
//   same ordered query from the same file (time ratio ≤ 1.0). The ratio of
//   a later export to the shell on the indexed archive is reported too;
// - peak RSS under 200 MB (first and later exports), and at 1M no more than
//   1.2 × at 100k;
// - `skyporter --version` and `--help` under 0.5 s.
// The table is printed and written as JSON to bench-results.json.
import { spawn, spawnSync } from "node:child_process"
import Database from "better-sqlite3"
import { randomBytes } from "node:crypto"
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { cpus, totalmem } from "node:os"
import { startupRows } from "./bench-startup.mjs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const cache = path.join(root, ".bench-cache")
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000")
  .split(",")
  .filter((s) => s !== "")
  .map(Number)
const MEDIA = process.env.BENCH_MEDIA === "1"
const MEDIA_BYTES = 2 ** 30
const MEDIA_RSS_LIMIT_MB = 300
const MEDIA_ZIP_MIBS = 250
const MEDIA_BASELINE = process.env.BENCH_MEDIA_BASELINE
const RSS_LIMIT_MB = 200
const RSS_GROWTH_LIMIT = 1.2
const RATIO_LIMIT = 1.0
const STARTUP_LIMIT_SECONDS = 0.5
const DID = "did:plc:skyporterdemo22222222222"

mkdirSync(cache, { recursive: true })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Runs a command, sampling its peak RSS (VmHWM) from /proc while it runs.
 * With `stdoutFile`, the command writes its standard output straight into
 * that file (as a shell redirection would), not through this process.
 */
const measure = (cmd, args, stdoutFile) =>
  new Promise((resolve, reject) => {
    const fd = stdoutFile ? openSync(stdoutFile, "w") : "ignore"
    const started = process.hrtime.bigint()
    const child = spawn(cmd, args, { stdio: ["ignore", fd, "pipe"] })
    if (typeof fd === "number") closeSync(fd)
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    let peakKb = 0
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
        const m = /VmHWM:\s+(\d+) kB/.exec(status)
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }
    const timer = setInterval(sample, 20)
    child.on("exit", (code) => {
      clearInterval(timer)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${stderr}`))
      else resolve({ seconds, peakMb: peakKb / 1024 })
    })
  })

const seeded = (n, name = `archive-${n}.db`) => {
  const file = path.join(cache, name)
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
// The one index skyporter adds to an archive it can write (ArchiveSchema.EXPORT_INDEX_NAME).
const EXPORT_INDEX = "idx_posts_skyporter_export_order"

const hasExportIndex = (file) => {
  const conn = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(EXPORT_INDEX) === 1
  } finally {
    conn.close()
  }
}

const dropExportIndex = (file) => {
  const conn = new Database(file, { fileMustExist: true })
  try {
    conn.exec(`DROP INDEX IF EXISTS ${EXPORT_INDEX}`)
  } finally {
    conn.close()
  }
}

/**
 * The seeded archive as bskyarchive writes it, made once: its schema without
 * skyporter's export-order index, then the same posts and media inserted in
 * order, so the indexes grow with the table as they do in a real archive.
 */
const asBskyarchive = (n) => {
  const file = path.join(cache, `archive-${n}.bskyarchive.db`)
  if (existsSync(file)) {
    // A bench stopped between a first export and its clean-up leaves the index.
    dropExportIndex(file)
    return file
  }
  process.stderr.write(`writing the ${n}-post archive without skyporter's index (once)… `)
  const t = Date.now()
  const tmp = `${file}.partial`
  rmSync(tmp, { force: true })
  const conn = new Database(tmp)
  conn.prepare("ATTACH DATABASE ? AS seeded").run(seeded(n))
  const schema = conn
    .prepare("SELECT sql FROM seeded.sqlite_master WHERE sql IS NOT NULL AND name <> ? ORDER BY rowid")
    .pluck()
    .all(EXPORT_INDEX)
  conn.transaction(() => {
    for (const sql of schema) conn.exec(sql)
    for (const table of ["posts", "media"]) {
      conn.exec(`INSERT INTO main.${table} SELECT * FROM seeded.${table} ORDER BY rowid`)
    }
  })()
  conn.exec("DETACH DATABASE seeded")
  conn.close()
  renameSync(tmp, file)
  process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)}s\n`)
  return file
}

const exportArgs = (db, format, out) => [
  cli,
  "export",
  "--db",
  db,
  "--did",
  DID,
  "--format",
  format,
  "--out",
  out,
  "--quiet"
]

/** One export of `db` as a CLI subprocess, into a folder removed afterwards. */
const exportRun = async (db, format) => {
  const out = mkdtempSync(path.join(cache, "out-"))
  try {
    return await measure(process.execPath, exportArgs(db, format, out))
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

/** The shell dumping the export's query from `db` into a file, removed afterwards. */
const sqliteRun = async (db, format) => {
  const dump = path.join(cache, `dump.${format}`)
  const args = format === "json" ? ["-readonly", "-json", db, QUERY] : ["-readonly", "-csv", "-header", db, QUERY]
  try {
    return await measure("sqlite3", args, dump)
  } finally {
    rmSync(dump, { force: true })
  }
}

const rows = []
for (const n of SIZES) {
  const db = seeded(n)
  const plain = hasSqlite ? asBskyarchive(n) : undefined
  for (const format of ["json", "csv"]) {
    const later = []
    const first = []
    const shellPlain = []
    const shellIndexed = []
    // Alternating, so a slow spell of the machine falls on both sides.
    for (let i = 0; i < RUNS; i++) {
      if (plain !== undefined) {
        shellPlain.push(await sqliteRun(plain, format))
        first.push(await exportRun(plain, format))
        if (!hasExportIndex(plain)) throw new Error(`the first export of ${plain} did not add ${EXPORT_INDEX}`)
        dropExportIndex(plain)
      }
      later.push(await exportRun(db, format))
      if (hasSqlite) shellIndexed.push(await sqliteRun(db, format))
    }
    const seconds = (runs) => (runs.length > 0 ? median(runs.map((r) => r.seconds)) : undefined)
    const s = seconds(later)
    const row = {
      posts: n,
      format,
      seconds: s,
      postsPerSecond: n / s,
      peakMb: median(later.map((r) => r.peakMb)),
      firstSeconds: seconds(first),
      firstPeakMb: first.length > 0 ? median(first.map((r) => r.peakMb)) : undefined,
      sqlitePlainSeconds: seconds(shellPlain),
      sqliteIndexedSeconds: seconds(shellIndexed)
    }
    rows.push(row)
    process.stderr.write(
      `${n} ${format}: ${s.toFixed(2)}s, ${Math.round(row.postsPerSecond)} posts/s, ${row.peakMb.toFixed(0)} MB` +
        (row.firstSeconds === undefined
          ? ""
          : `; first export ${row.firstSeconds.toFixed(2)}s, ${row.firstPeakMb.toFixed(0)} MB`) +
        "\n"
    )
  }
}

/**
 * A 5,000-post archive whose main-DID media rows name real files under
 * .bench-cache/media-root/, together just over 1 GiB (photo-sized files of
 * random bytes), made once.
 */
const mediaArchive = () => {
  const db = seeded(5000, "archive-media.db")
  const mediaRoot = path.join(cache, "media-root")
  const done = path.join(mediaRoot, ".complete")
  const conn = new Database(db, { readonly: true })
  const paths = conn
    .prepare("SELECT file_path FROM media WHERE post_uri LIKE ? ORDER BY rowid")
    .pluck()
    .all(`at://${DID}/%`)
  conn.close()
  const size = Math.ceil(MEDIA_BYTES / paths.length / 4096) * 4096
  if (!existsSync(done)) {
    process.stderr.write(`writing ${paths.length} media files of ${size} bytes (once)… `)
    const t = Date.now()
    const block = randomBytes(size + paths.length)
    paths.forEach((rel, i) => {
      mkdirSync(path.dirname(path.join(mediaRoot, rel)), { recursive: true })
      writeFileSync(path.join(mediaRoot, rel), block.subarray(i, i + size))
    })
    writeFileSync(done, "")
    process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)}s\n`)
  }
  return { db, mediaRoot, files: paths.length, bytes: paths.length * size }
}

const mediaRows = []
if (MEDIA) {
  const { db, mediaRoot, files, bytes } = mediaArchive()
  const builds = [{ label: "", cli }]
  if (MEDIA_BASELINE) {
    builds.push({ label: " (baseline)", cli: path.join(path.resolve(MEDIA_BASELINE), "apps/cli/bin/skyporter.js") })
  }
  const modes = [false, true].flatMap((zip) => builds.map((build) => ({ zip, ...build, runs: [] })))
  // In turn, so a slow spell of the machine falls on every mode.
  for (let i = 0; i < RUNS; i++) {
    for (const mode of modes) {
      const out = mkdtempSync(path.join(cache, "out-"))
      const args = [
        mode.cli,
        "export",
        "--db",
        db,
        "--did",
        DID,
        "--out",
        out,
        "--media",
        "--media-root",
        mediaRoot,
        "--quiet"
      ]
      mode.runs.push(await measure(process.execPath, mode.zip ? [...args, "--zip"] : args))
      rmSync(out, { recursive: true, force: true })
    }
  }
  for (const mode of modes) {
    const row = {
      mode: (mode.zip ? "--media --zip" : "--media") + mode.label,
      zip: mode.zip,
      baseline: mode.label !== "",
      files,
      bytes,
      seconds: median(mode.runs.map((r) => r.seconds)),
      peakMb: Math.max(...mode.runs.map((r) => r.peakMb))
    }
    mediaRows.push(row)
    process.stderr.write(
      `media ${row.mode}: ${row.seconds.toFixed(2)}s, ${(bytes / 2 ** 20 / row.seconds).toFixed(0)} MiB/s, ` +
        `peak ${row.peakMb.toFixed(0)} MB\n`
    )
  }
}

const startup = process.env.BENCH_STARTUP === "0" ? [] : await startupRows()

// The targets, each with what was measured.
const checks = []
for (const r of rows) {
  checks.push({ target: `${r.format} at ${r.posts}: peak RSS < ${RSS_LIMIT_MB} MB`, ok: r.peakMb < RSS_LIMIT_MB })
  if (r.firstPeakMb !== undefined) {
    checks.push({
      target: `${r.format} at ${r.posts}, first export: peak RSS < ${RSS_LIMIT_MB} MB`,
      ok: r.firstPeakMb < RSS_LIMIT_MB
    })
  }
  if (r.posts === 1_000_000 && r.firstSeconds !== undefined) {
    const ratio = r.firstSeconds / r.sqlitePlainSeconds
    checks.push({
      target: `${r.format} at 1M, the archive as bskyarchive writes it: first export ÷ sqlite3 ≤ ${RATIO_LIMIT} (${ratio.toFixed(
        2
      )})`,
      ok: ratio <= RATIO_LIMIT
    })
  }
}
for (const format of ["json", "csv"]) {
  const small = rows.find((r) => r.format === format && r.posts === 100_000)
  const large = rows.find((r) => r.format === format && r.posts === 1_000_000)
  if (small && large) {
    for (const [label, peak] of [
      ["", (r) => r.peakMb],
      [", first export", (r) => r.firstPeakMb]
    ]) {
      if (peak(small) === undefined || peak(large) === undefined) continue
      const growth = peak(large) / peak(small)
      checks.push({
        target: `${format}${label}: RSS at 1M ≤ ${RSS_GROWTH_LIMIT} × at 100k (${growth.toFixed(2)})`,
        ok: growth <= RSS_GROWTH_LIMIT
      })
    }
  }
}
for (const r of mediaRows.filter((m) => !m.baseline)) {
  checks.push({ target: `media ${r.mode}: peak RSS < ${MEDIA_RSS_LIMIT_MB} MB`, ok: r.peakMb < MEDIA_RSS_LIMIT_MB })
  if (r.zip) {
    const mibs = r.bytes / 2 ** 20 / r.seconds
    checks.push({
      target: `media ${r.mode}: ≥ ${MEDIA_ZIP_MIBS} MiB/s (${mibs.toFixed(0)})`,
      ok: mibs >= MEDIA_ZIP_MIBS
    })
  }
}
for (const r of startup) {
  checks.push({
    target: `skyporter ${r.command} < ${STARTUP_LIMIT_SECONDS} s (${r.medianSeconds.toFixed(3)})`,
    ok: r.medianSeconds < STARTUP_LIMIT_SECONDS
  })
}

const fmt = (x, d = 2) => (x === undefined ? "–" : x.toFixed(d))
const ratioOf = (ours, theirs) => (ours !== undefined && theirs !== undefined ? fmt(ours / theirs) : "–")
const lines = [
  `skyporter bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; median of ${RUNS} runs`,
  "",
  "The archive as bskyarchive writes it: skyporter's first export (it adds its export-order index) and the shell",
  "dumping the same ordered query from the same file.",
  "",
  "| posts | format | first export (s) | posts/s | peak RSS (MB) | sqlite3 shell (s) | first export ÷ sqlite3 |",
  "|---:|---|---:|---:|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.posts.toLocaleString("en-US")} | ${r.format} | ${fmt(r.firstSeconds)} | ` +
      `${r.firstSeconds === undefined ? "–" : Math.round(r.posts / r.firstSeconds).toLocaleString("en-US")} | ${fmt(
        r.firstPeakMb,
        0
      )} | ` +
      `${fmt(r.sqlitePlainSeconds)} | ${ratioOf(r.firstSeconds, r.sqlitePlainSeconds)} |`
  ),
  "",
  "The archive with skyporter's export-order index (after a first export): later exports, and the shell using the index.",
  "",
  "| posts | format | seconds | posts/s | peak RSS (MB) | sqlite3 shell (s) | skyporter ÷ sqlite3 |",
  "|---:|---|---:|---:|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.posts.toLocaleString("en-US")} | ${r.format} | ${fmt(r.seconds)} | ${Math.round(
        r.postsPerSecond
      ).toLocaleString("en-US")} | ` +
      `${fmt(r.peakMb, 0)} | ${fmt(r.sqliteIndexedSeconds)} | ${ratioOf(r.seconds, r.sqliteIndexedSeconds)} |`
  )
]
if (mediaRows.length > 0) {
  lines.push(
    "",
    `| media export | files | GiB | seconds | MiB/s | peak RSS (MB, limit ${MEDIA_RSS_LIMIT_MB}) |`,
    "|---|---:|---:|---:|---:|---:|",
    ...mediaRows.map(
      (r) =>
        `| ${r.mode} | ${r.files.toLocaleString("en-US")} | ${fmt(r.bytes / 2 ** 30)} | ${fmt(r.seconds)} | ` +
        `${fmt(r.bytes / 2 ** 20 / r.seconds, 0)} | ${fmt(r.peakMb, 0)} |`
    )
  )
}
if (startup.length > 0) {
  lines.push(
    "",
    "| start-up | median seconds |",
    "|---|---:|",
    ...startup.map((r) => `| skyporter ${r.command} | ${r.medianSeconds.toFixed(3)} |`)
  )
}
if (checks.length > 0) lines.push("", ...checks.map((c) => `- ${c.ok ? "met" : "MISSED"}: ${c.target}`))
process.stdout.write(lines.join("\n") + "\n")

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "cpu", memoryGiB: Math.round(totalmem() / 2 ** 30) },
  node: process.version,
  runs: RUNS,
  exports: rows.map((r) => ({
    format: r.format,
    posts: r.posts,
    seconds: r.seconds,
    postsPerSecond: r.postsPerSecond,
    peakRssMb: r.peakMb,
    firstSeconds: r.firstSeconds ?? null,
    firstPeakRssMb: r.firstPeakMb ?? null,
    sqlitePlainSeconds: r.sqlitePlainSeconds ?? null,
    firstRatio:
      r.firstSeconds !== undefined && r.sqlitePlainSeconds !== undefined ? r.firstSeconds / r.sqlitePlainSeconds : null,
    sqliteIndexedSeconds: r.sqliteIndexedSeconds ?? null,
    indexedRatio: r.sqliteIndexedSeconds !== undefined ? r.seconds / r.sqliteIndexedSeconds : null
  })),
  media: mediaRows,
  startup,
  targets: checks
}
writeFileSync(path.join(root, "bench-results.json"), JSON.stringify(results, null, 2) + "\n")
process.stderr.write("written to bench-results.json\n")
if (checks.some((c) => !c.ok)) process.exitCode = 1
