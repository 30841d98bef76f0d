#!/usr/bin/env node
// `npm run bench`, server part: `skyporter serve` on a 1M-post archive
// (.bench-cache/archive-1000000.db, seeded by bench.mjs; seeded here too when
// missing). Measures:
//   1. SSE fan-out: BENCH_SSE_WATCHERS (default and most 1,024, the server's
//      cap on event streams) watchers of one export, 32 (the cap per client)
//      from each of the loopback addresses 127.0.0.2, .3, …; for every progress
//      event, the spread between the first and the last watcher receiving it
//      (must stay under a second), and that all get the end. With every stream
//      held: one more is refused with 429, and how long /healthz takes.
//   2. The RSS of a freshly started server (sampled from /proc every 20 ms)
//      while it streams the ZIP of that 1M-post export (must stay under 300 MB).
// BENCH_SERVER=0 skips it; BENCH_SERVER_POSTS picks another archive size.
import Database from "better-sqlite3"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import * as http from "node:http"
import { cpus, totalmem } from "node:os"
import * as path from "node:path"

if (process.env.BENCH_SERVER === "0") process.exit(0)

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const cache = path.join(root, ".bench-cache")
const POSTS = Number(process.env.BENCH_SERVER_POSTS ?? 1_000_000)
// The server's caps on event streams, in all and per client, from its build.
const { DEFAULT_TOTAL: STREAMS_TOTAL, DEFAULT_PER_CLIENT: STREAMS_PER_CLIENT } =
  await import("../apps/server/dist/Sse.js")
const WATCHERS = Number(process.env.BENCH_SSE_WATCHERS ?? STREAMS_TOTAL)
if (!Number.isInteger(WATCHERS) || WATCHERS < 1 || WATCHERS > STREAMS_TOTAL) {
  process.stderr.write(
    `BENCH_SSE_WATCHERS must be a whole number from 1 to ${STREAMS_TOTAL} (the server's cap on event streams), not ${process.env.BENCH_SSE_WATCHERS}\n`
  )
  process.exit(2)
}
/** The loopback address watcher `i` connects from: the server counts streams per address. */
const watcherAddress = (i) => `127.0.0.${2 + Math.floor(i / STREAMS_PER_CLIENT)}`
const DID = "did:plc:skyporterdemo22222222222"
// A format that sleeps before each batch: an export of another account that
// holds the single slot (--max-running 1) until the watchers are connected.
const SLOW_PLUGIN = path.join(root, "apps/server/test/fixtures/slow-plugin.mjs")

mkdirSync(cache, { recursive: true })
const db = path.join(cache, `archive-${POSTS}.db`)
if (!existsSync(db)) {
  process.stderr.write(`seeding ${POSTS} posts (once; cached in .bench-cache/)…\n`)
  const tmp = `${db}.partial`
  rmSync(tmp, { force: true })
  const r = spawnSync(process.execPath, [cli, "seed", "--db", tmp, "--posts", String(POSTS), "--did", DID], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  if (r.status !== 0) throw new Error("seed failed")
  renameSync(tmp, db)
}

const out = mkdtempSync(path.join(cache, "serve-"))

/** Starts `skyporter serve` on `out`; its process and base URL. */
const start = async () => {
  const child = spawn(
    process.execPath,
    [cli, "serve", "--db", db, "--out", out, "--port", "0", "--max-running", "1", "--plugin", SLOW_PLUGIN],
    { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, SKYPORTER_TEST_DELAY_MS: "600000" } }
  )
  const url = await new Promise((resolve, reject) => {
    let text = ""
    child.stdout.on("data", (d) => {
      text += d
      if (text.includes("\n")) resolve(text.split("\n")[0])
    })
    child.on("exit", (code) => reject(new Error(`server exited ${code}`)))
  })
  return { child, url }
}
const stop = async (child) => {
  if (child.exitCode === null) {
    child.kill("SIGTERM")
    await new Promise((resolve) => child.on("exit", resolve))
  }
}

let { child: server, url: base } = await start()
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })

const rss = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))
  return m ? Number(m[1]) / 1024 : 0
}

const del = (route) =>
  new Promise((resolve, reject) => {
    http
      .request(new URL(route, base), { method: "DELETE", agent }, (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode))
      })
      .on("error", reject)
      .end()
  })

/** The status of a GET of `route` from `localAddress`, its body left unread. */
const status = (route, localAddress) =>
  new Promise((resolve, reject) => {
    http
      .get(new URL(route, base), { agent, localAddress }, (res) => {
        res.destroy()
        resolve(res.statusCode)
      })
      .on("error", reject)
  })

const post = (route, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(
      new URL(route, base),
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json" }
      },
      (res) => {
        let text = ""
        res.on("data", (d) => (text += d))
        res.on("end", () => resolve(JSON.parse(text)))
      }
    )
    req.on("error", reject)
    req.end(JSON.stringify(body))
  })

/**
 * One SSE watcher, connected from `localAddress`: pushes [seq, arrival ms] for
 * every event it receives into `seen`; resolves at the stream's end with
 * whether the last was final. Any answer but 200 rejects, naming it.
 */
const watch = (id, seen, localAddress) =>
  new Promise((resolve, reject) => {
    const req = http.get(new URL(`/api/exports/${id}/events`, base), { agent, localAddress }, (res) => {
      if (res.statusCode !== 200) {
        let text = ""
        res.on("data", (d) => (text += d))
        res.on("end", () =>
          reject(new Error(`an event stream from ${localAddress} was answered ${res.statusCode}: ${text}`))
        )
        return
      }
      let buffer = ""
      let final = false
      res.setEncoding("utf8")
      res.on("data", (chunk) => {
        const now = performance.now()
        buffer += chunk
        let end
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const m = /^id: (\d+)$/m.exec(block)
          if (!m) continue
          seen.push([Number(m[1]), now])
          if (/^event: (completed|failed|cancelled)$/m.test(block)) final = true
        }
      })
      res.on("end", () => resolve(final))
    })
    req.on("error", reject)
  })

try {
  const idle = rss()
  // 1. One export of every post, watched by WATCHERS clients.
  const reader = new Database(db, { readonly: true })
  const other = reader.prepare("SELECT did FROM posts WHERE did <> ? LIMIT 1").pluck().get(DID)
  reader.close()
  const blocker = await post("/api/exports", { did: other, format: "slowjson" })
  const job = await post("/api/exports", { did: DID, format: "json" })
  if (job.status !== "queued") throw new Error(`expected the export to wait behind the blocker, got ${job.status}`)
  const perWatcher = Array.from({ length: WATCHERS }, () => [])
  // Connected 100 at a time, so the listen backlog never overflows.
  const watchers = []
  let refusal
  for (const [i, seen] of perWatcher.entries()) {
    watchers.push(watch(job.id, seen, watcherAddress(i)).catch((e) => (refusal ??= e)))
    if (watchers.length % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const connectStarted = performance.now()
  while (!perWatcher.every((seen) => seen.length > 0)) {
    if (refusal !== undefined) throw refusal
    if (performance.now() - connectStarted > 120_000) {
      const connected = perWatcher.filter((seen) => seen.length > 0).length
      throw new Error(`only ${connected} of ${WATCHERS} watchers got their first event within 120 s`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const connectSeconds = (performance.now() - connectStarted) / 1000
  const connectedRss = rss()
  // With every stream held: the next is refused, and short requests still pass.
  const atCap = WATCHERS === STREAMS_TOTAL
  const beyond = atCap ? await status(`/api/exports/${job.id}/events`, watcherAddress(WATCHERS)) : undefined
  const refusedBeyond = !atCap || beyond === 429
  const healthStarted = performance.now()
  const health = await status("/healthz", "127.0.0.1")
  const healthMs = performance.now() - healthStarted
  // Free the slot: the watched export starts now.
  await del(`/api/exports/${blocker.id}`)
  const started = performance.now()
  let peakDuringExport = 0
  const exportTimer = setInterval(() => (peakDuringExport = Math.max(peakDuringExport, rss())), 50)
  const finals = await Promise.all(watchers)
  clearInterval(exportTimer)
  if (refusal !== undefined) throw refusal
  const exportSeconds = (performance.now() - started) / 1000
  // A watcher starts with the state current when it connects: an event counts
  // for the watchers connected before it (whose first event is older).
  const bySeq = new Map()
  for (const seen of perWatcher) {
    const first = seen[0]?.[0] ?? Infinity
    for (const [seq, at] of seen) {
      if (seq <= first) continue
      const entry = bySeq.get(seq) ?? []
      entry.push(at)
      bySeq.set(seq, entry)
    }
  }
  const spreads = []
  let complete = 0
  for (const [seq, times] of bySeq) {
    const expected = perWatcher.filter((seen) => (seen[0]?.[0] ?? Infinity) < seq).length
    if (times.length === expected) complete++
    spreads.push(Math.max(...times) - Math.min(...times))
  }
  spreads.sort((a, b) => a - b)
  const pct = (p) => spreads[Math.min(spreads.length - 1, Math.floor(p * spreads.length))] ?? 0
  const allFinal = finals.every(Boolean)
  const within = spreads.filter((x) => x < 1000).length

  // 2. The ZIP of that export, streamed by a fresh server (the export above
  // ran in the first one) to a client that writes nowhere.
  await stop(server)
  ;({ child: server, url: base } = await start())
  const fresh = rss()
  let peakDownload = 0
  let bytes = 0
  const zipStarted = performance.now()
  const timer = setInterval(() => (peakDownload = Math.max(peakDownload, rss())), 20)
  await new Promise((resolve, reject) => {
    http
      .get(new URL(`/api/exports/${job.id}/download`, base), { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`download: ${res.statusCode}`))
        res.on("data", (d) => (bytes += d.length))
        res.on("end", resolve)
      })
      .on("error", reject)
  })
  clearInterval(timer)
  const zipSeconds = (performance.now() - zipStarted) / 1000

  const fmt = (x, d = 0) => x.toFixed(d)
  const lines = [
    `skyporter serve bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${
      cpus()[0]?.model ?? "cpu"
    }, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${POSTS.toLocaleString("en-US")} posts`,
    "",
    "| measure | value |",
    "|---|---:|",
    `| server RSS idle (MB) | ${fmt(idle)} |`,
    `| export with ${WATCHERS} SSE watchers (s) | ${fmt(exportSeconds, 1)} |`,
    `| server peak RSS during that export (MB) | ${fmt(peakDuringExport)} |`,
    `| ${WATCHERS} SSE watchers connected in (s) | ${fmt(connectSeconds, 1)} |`,
    `| server RSS with all ${WATCHERS} watchers connected, idle (MB) | ${fmt(connectedRss)} |`,
    `| events delivered to every watcher connected before them | ${complete} of ${bySeq.size} |`,
    `| delivery spread first→last watcher, p50 / p99 / max (ms) | ${fmt(pct(0.5))} / ${fmt(pct(0.99))} / ${fmt(
      spreads[spreads.length - 1] ?? 0
    )} |`,
    `| events delivered to all their watchers within 1 s | ${within} of ${spreads.length} |`,
    `| every watcher got the final event | ${allFinal ? "yes" : "NO"} |`,
    `| with every stream held: one more refused (429) | ${
      !atCap ? "not tried (below the cap)" : beyond === 429 ? "yes" : `NO (${beyond})`
    } |`,
    `| with every stream held: /healthz answered in (ms) | ${fmt(healthMs)} (${health}) |`,
    `| fresh server RSS before the download (MB) | ${fmt(fresh)} |`,
    `| ZIP streamed (MB) | ${fmt(bytes / 2 ** 20)} |`,
    `| ZIP stream time (s), throughput (MB/s) | ${fmt(zipSeconds, 1)}, ${fmt(bytes / 2 ** 20 / zipSeconds)} |`,
    `| server peak RSS while streaming the ZIP (MB, limit 300) | ${fmt(peakDownload)} |`
  ]
  process.stdout.write(lines.join("\n") + "\n")
  if (peakDownload >= 300 || !allFinal || !refusedBeyond || health !== 200) process.exitCode = 1
} finally {
  await stop(server)
  rmSync(out, { recursive: true, force: true })
}
