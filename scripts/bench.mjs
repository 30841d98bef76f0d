#!/usr/bin/env node
// `npm run bench`: export throughput and peak memory, measured side by side.
// Seeds archives once into .bench-cache/ (git-ignored), then runs each export
// RUNS times as a real CLI subprocess on each Node line of BENCH_NODE (default
// "24,20": the first line's targets, the others reported beside it; another
// line than the machine's runs with better-sqlite3 built for it, see
// bench-lines.mjs), alternating with the sqlite3 shell dumping the same ordered
// query (`sqlite3 -json` / `-csv -header`) in the same run, and reports medians.
// Archives, for each size of BENCH_SIZES (default "100000,1000000"):
// - compact, as bskyarchive writes it (`archive-N.bskyarchive.db`: one DID
//   holds nearly all posts, no skyporter index): the shell, then skyporter's
//   first export, which adds its export-order index (dropped again, untimed);
// - compact, with skyporter's index: later exports, and the shell walking it;
// - many accounts (`archive-N.many.db`, up to 1M posts of the DID; BENCH_MANY=0
//   skips it): the DID's posts among three times as many of 300 other
//   accounts; first exports (which leave the archive without the index: the
//   DID holds less than a third of it) against the shell, which looks the DID
//   up and sorts.
// BENCH_SIZES=10000000 (or "1000000,10000000", to compare memory) runs the
// 10M-post archive (about 7.5 GB, twice: seeded and as bskyarchive writes it).
// BENCH_MEDIA=1 adds media: an export copying ≥ 1 GiB of media files (made
// once in .bench-cache/), as a folder (--media) and as a ZIP (--media --zip),
// the two in turn; the ZIP must publish at ≥ 250 MiB/s and peak RSS stay under
// 300 MB. BENCH_MEDIA_BASELINE=<another checkout, built> runs its CLI in the
// same turns, for a before/after. BENCH_SIZES= (empty) skips the post runs.
//
// Targets, checked here (the exit code is 1 when one is missed), at 1M posts
// and more:
// - on the first line, each format's first export takes no longer than the
//   shell on the same file (ratio ≤ 1.0), on both kinds of archive;
// - later exports take at most 0.75 × the shell's time on the first line and
//   at most 1.0 × on the others;
// - peak RSS under 200 MB everywhere, and at each size no more than 1.2 × at
//   the next smaller one;
// - `skyporter --version` and `--help` under 0.5 s.
// The tables are printed and written as JSON to bench-results.json.
import { spawn, spawnSync } from "node:child_process"
import { seedArchive } from "@skyporter/synthetic"
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
import { nodeLine } from "./bench-lines.mjs"
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
// First exports against the shell on the same file, on the first line; later
// exports against the shell walking the same index, on the first line and on
// the others (the lines before it).
const FIRST_RATIO_LIMIT = 1.0
const LATER_RATIO_LIMIT = 0.75
const OTHER_LINE_LATER_RATIO_LIMIT = 1.0
// Node lines, the first one's targets first (BENCH_NODE=24 runs one line).
const LINE_MAJORS = (process.env.BENCH_NODE ?? "24,20")
  .split(",")
  .filter((s) => s !== "")
  .map(Number)
// The archive with many accounts: the DID holds a quarter of the posts.
const MANY = process.env.BENCH_MANY !== "0"
const MANY_OTHER_DIDS = 300
const MANY_MAX_POSTS = 1_000_000
const STARTUP_LIMIT_SECONDS = 0.5
const DID = "did:plc:skyporterdemo22222222222"

mkdirSync(cache, { recursive: true })
const lines = LINE_MAJORS.map((major) => ({ major, ...nodeLine(major, cache) }))

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const medianSeconds = (runs) => (runs.length > 0 ? median(runs.map((r) => r.seconds)) : undefined)
const peak = (runs) => (runs.length > 0 ? median(runs.map((r) => r.peakMb)) : undefined)
const fmt = (x, d = 2) => (x === undefined ? "–" : x.toFixed(d))

/**
 * Runs a command, sampling its peak RSS (VmHWM) from /proc while it runs.
 * With `stdoutFile`, the command writes its standard output straight into
 * that file (as a shell redirection would), not through this process.
 */
const measure = (cmd, args, stdoutFile, env) =>
  new Promise((resolve, reject) => {
    const fd = stdoutFile ? openSync(stdoutFile, "w") : "ignore"
    const started = process.hrtime.bigint()
    const child = spawn(cmd, args, { stdio: ["ignore", fd, "pipe"], env: { ...process.env, ...env } })
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

/**
 * An archive of many accounts as bskyarchive writes it, made once: the DID's
 * `n` posts among three times as many of 300 other accounts, in timeline
 * order, without skyporter's index (the shell looks the DID's posts up and
 * sorts them; skyporter sorts their keys and reads each post by rowid).
 */
const manyAccounts = (n) => {
  const file = path.join(cache, `archive-${n}.many.db`)
  if (existsSync(file)) {
    dropExportIndex(file)
    return file
  }
  process.stderr.write(`writing the ${n}-post archive of many accounts (once)… `)
  const t = Date.now()
  const tmp = `${file}.partial`
  rmSync(tmp, { force: true })
  seedArchive(tmp, { posts: n, did: DID, otherDids: MANY_OTHER_DIDS, otherPosts: (3 * n) / MANY_OTHER_DIDS })
  dropExportIndex(tmp)
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

/** One export of `db` as a CLI subprocess on a Node line, into a folder removed afterwards. */
const exportRun = async (line, db, format) => {
  const out = mkdtempSync(path.join(cache, "out-"))
  try {
    return await measure(line.node, [...line.args, ...exportArgs(db, format, out)], undefined, line.env)
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

// Shell runs depend on the archive only; each line's exports alternate with them.
const rows = []
for (const n of SIZES) {
  const kinds = [{ kind: "compact", db: seeded(n), plain: hasSqlite ? asBskyarchive(n) : undefined }]
  if (MANY && n <= MANY_MAX_POSTS && hasSqlite) kinds.push({ kind: "many", db: undefined, plain: manyAccounts(n) })
  for (const { kind, db, plain } of kinds) {
    for (const format of ["json", "csv"]) {
      const first = new Map(lines.map((l) => [l.major, []]))
      const later = new Map(lines.map((l) => [l.major, []]))
      const shellPlain = []
      const shellIndexed = []
      // Alternating, so a slow spell of the machine falls on every side.
      for (let i = 0; i < RUNS; i++) {
        if (plain !== undefined) {
          shellPlain.push(await sqliteRun(plain, format))
          for (const line of lines) {
            first.get(line.major).push(await exportRun(line, plain, format))
            // The export adds the index only for a DID with a third of the posts or more.
            if (hasExportIndex(plain) !== (kind === "compact")) {
              throw new Error(
                `the first export of ${plain} ${kind === "compact" ? "did not add" : "added"} ${EXPORT_INDEX}`
              )
            }
            dropExportIndex(plain)
          }
        }
        if (db !== undefined) {
          for (const line of lines) later.get(line.major).push(await exportRun(line, db, format))
          if (hasSqlite) shellIndexed.push(await sqliteRun(db, format))
        }
      }
      for (const line of lines) {
        const row = {
          archive: kind,
          posts: n,
          format,
          node: line.version,
          line: line.major,
          seconds: medianSeconds(later.get(line.major)),
          peakMb: peak(later.get(line.major)),
          firstSeconds: medianSeconds(first.get(line.major)),
          firstPeakMb: peak(first.get(line.major)),
          sqlitePlainSeconds: medianSeconds(shellPlain),
          sqliteIndexedSeconds: medianSeconds(shellIndexed)
        }
        rows.push(row)
        process.stderr.write(
          `${kind} ${n} ${format} on Node ${line.major}:` +
            (row.seconds === undefined ? "" : ` later ${fmt(row.seconds)}s, ${fmt(row.peakMb, 0)} MB;`) +
            (row.firstSeconds === undefined ? "" : ` first ${fmt(row.firstSeconds)}s, ${fmt(row.firstPeakMb, 0)} MB;`) +
            ` shell ${fmt(row.sqlitePlainSeconds)}s / ${fmt(row.sqliteIndexedSeconds)}s\n`
        )
      }
    }
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
      // On the first Node line, as the post exports.
      const runArgs = mode.zip ? [...args, "--zip"] : args
      mode.runs.push(await measure(lines[0].node, [...lines[0].args, ...runArgs], undefined, lines[0].env))
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
const primary = lines[0]
const label = (r) => `${r.format} at ${r.posts.toLocaleString("en-US")}, ${r.archive} archive, Node ${r.line}`
for (const r of rows) {
  for (const [what, mb] of [
    ["later export", r.peakMb],
    ["first export", r.firstPeakMb]
  ]) {
    if (mb !== undefined)
      checks.push({
        target: `${label(r)}, ${what}: peak RSS < ${RSS_LIMIT_MB} MB (${fmt(mb, 0)})`,
        ok: mb < RSS_LIMIT_MB
      })
  }
  if (r.posts < 1_000_000) continue
  if (r.line === primary.major && r.firstSeconds !== undefined) {
    const ratio = r.firstSeconds / r.sqlitePlainSeconds
    checks.push({
      target: `${label(r)}: first export ÷ sqlite3 ≤ ${FIRST_RATIO_LIMIT} (${fmt(ratio)})`,
      ok: ratio <= FIRST_RATIO_LIMIT
    })
  }
  if (r.seconds !== undefined && r.sqliteIndexedSeconds !== undefined) {
    const limit = r.line === primary.major ? LATER_RATIO_LIMIT : OTHER_LINE_LATER_RATIO_LIMIT
    const ratio = r.seconds / r.sqliteIndexedSeconds
    checks.push({ target: `${label(r)}: later export ÷ sqlite3 ≤ ${limit} (${fmt(ratio)})`, ok: ratio <= limit })
  }
}
// Flat memory: each size against the next smaller one, same archive, format and line.
for (const r of rows) {
  const smaller = rows
    .filter((s) => s.archive === r.archive && s.format === r.format && s.line === r.line && s.posts < r.posts)
    .sort((a, b) => b.posts - a.posts)[0]
  if (smaller === undefined) continue
  for (const [what, mb] of [
    ["", (x) => x.peakMb],
    [", first export", (x) => x.firstPeakMb]
  ]) {
    if (mb(r) === undefined || mb(smaller) === undefined) continue
    const growth = mb(r) / mb(smaller)
    checks.push({
      target: `${label(r)}${what}: RSS ≤ ${RSS_GROWTH_LIMIT} × at ${smaller.posts.toLocaleString("en-US")} (${fmt(growth)})`,
      ok: growth <= RSS_GROWTH_LIMIT
    })
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

const ratioOf = (ours, theirs) => (ours !== undefined && theirs !== undefined ? fmt(ours / theirs) : "–")
// One table row per archive, size and format; each line's seconds, peak RSS and ratio side by side.
const table = (title, pick, shell) => {
  const keys = [
    ...new Set(rows.filter((r) => pick(r).seconds !== undefined).map((r) => `${r.archive}|${r.posts}|${r.format}`))
  ]
  if (keys.length === 0) return []
  return [
    "",
    title,
    "",
    `| archive | posts | format | sqlite3 shell (s) | ${lines.map((l) => `Node ${l.major} (s) | peak RSS (MB) | ÷ sqlite3`).join(" | ")} |`,
    `|---|---:|---|---:|${lines.map(() => "---:|---:|---:|").join("")}`,
    ...keys.map((key) => {
      const same = rows.filter((r) => `${r.archive}|${r.posts}|${r.format}` === key)
      const [archive, posts, format] = key.split("|")
      const cells = lines.map((l) => {
        const r = same.find((x) => x.line === l.major)
        const p = r === undefined ? {} : pick(r)
        return `${fmt(p.seconds)} | ${fmt(p.peakMb, 0)} | ${ratioOf(p.seconds, shell(same[0]))}`
      })
      return `| ${archive} | ${Number(posts).toLocaleString("en-US")} | ${format} | ${fmt(shell(same[0]))} | ${cells.join(" | ")} |`
    })
  ]
}
const out = [
  `skyporter bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, ${lines.map((l) => `Node ${l.version}`).join(" and ")}; median of ${RUNS} runs`,
  ...table(
    "First exports: the archive as bskyarchive writes it (skyporter adds its export-order index when the DID holds a third of the posts or more), and the shell dumping the same ordered query from the same file.",
    (r) => ({ seconds: r.firstSeconds, peakMb: r.firstPeakMb }),
    (r) => r.sqlitePlainSeconds
  ),
  ...table(
    "Later exports: the archive with skyporter's export-order index, and the shell walking that index.",
    (r) => ({ seconds: r.seconds, peakMb: r.peakMb }),
    (r) => r.sqliteIndexedSeconds
  )
]
if (mediaRows.length > 0) {
  out.push(
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
  out.push(
    "",
    "| start-up | median seconds |",
    "|---|---:|",
    ...startup.map((r) => `| skyporter ${r.command} | ${r.medianSeconds.toFixed(3)} |`)
  )
}
if (checks.length > 0) out.push("", ...checks.map((c) => `- ${c.ok ? "met" : "MISSED"}: ${c.target}`))
process.stdout.write(out.join("\n") + "\n")

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "cpu", memoryGiB: Math.round(totalmem() / 2 ** 30) },
  node: lines.map((l) => l.version),
  runs: RUNS,
  exports: rows.map((r) => ({
    archive: r.archive,
    node: r.node,
    format: r.format,
    posts: r.posts,
    seconds: r.seconds ?? null,
    postsPerSecond: r.seconds === undefined ? null : r.posts / r.seconds,
    peakRssMb: r.peakMb ?? null,
    firstSeconds: r.firstSeconds ?? null,
    firstPeakRssMb: r.firstPeakMb ?? null,
    sqlitePlainSeconds: r.sqlitePlainSeconds ?? null,
    firstRatio:
      r.firstSeconds !== undefined && r.sqlitePlainSeconds !== undefined ? r.firstSeconds / r.sqlitePlainSeconds : null,
    sqliteIndexedSeconds: r.sqliteIndexedSeconds ?? null,
    indexedRatio:
      r.seconds !== undefined && r.sqliteIndexedSeconds !== undefined ? r.seconds / r.sqliteIndexedSeconds : null
  })),
  media: mediaRows,
  startup,
  targets: checks
}
writeFileSync(path.join(root, "bench-results.json"), JSON.stringify(results, null, 2) + "\n")
process.stderr.write("written to bench-results.json\n")
if (checks.some((c) => !c.ok)) process.exitCode = 1
