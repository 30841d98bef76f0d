// writeRecords (posts from stored bytes) against write (decoded posts), side by side.
// Usage (build first: npx tsc -b): node bench/records.mjs [--posts 100000] [--batch 1000] [--reps 7] [--formulas] [--only write|writeRecords]
// Posts come from an archive seeded by @skyporter/testkit's Synthetic generator. `write` is
// timed from the rows as better-sqlite3 returns them (decodeRow, then write, then UTF-8 bytes);
// `writeRecords` from records already in a RecordBatch (what the core's file reader
// fills instead of making rows). Prints the median µs per post (wall clock and CPU)
// and whether both give the same bytes.
import { Post } from "@skyporter/core"
import { fromRows } from "@skyporter/core/RecordBatch"
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSink } from "../dist/index.js"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const POSTS = Number(arg("posts", 100_000))
const BATCH = Number(arg("batch", 1_000))
const REPS = Number(arg("reps", 7))
const options = { bom: false, escapeFormulas: process.argv.includes("--formulas") }
const ONLY = arg("only", undefined)

// Rows as the core reads them: from a real archive, in export order.
const dir = mkdtempSync(join(tmpdir(), "skyporter-bench-records-"))
let rows
try {
  const path = join(dir, "archive.db")
  const { did } = Synthetic.seedArchive(path, { posts: POSTS, otherDids: 0 })
  const db = new Database(path, { readonly: true })
  rows = db
    .prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC`)
    .raw(true)
    .all(did)
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
const warn = () => {}
const rowBatches = []
const recordBatches = []
for (let i = 0; i < rows.length; i += BATCH) {
  const slice = rows.slice(i, i + BATCH)
  rowBatches.push(slice)
  recordBatches.push(fromRows(slice, (row, j) => Post.decodeRow(row, warn, j)))
}
let asked = 0
for (const batch of recordBatches) {
  const post = batch.post
  batch.post = (i) => (asked++, post(i))
}

const bytesOf = (chunk) => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)
const variants = {
  write: (sink, out) => {
    for (const slice of rowBatches) {
      const posts = slice.map((row, j) => Post.decodeRow(row, warn, j))
      out(bytesOf(sink.write(posts, { offset: 0 })))
    }
  },
  writeRecords: (sink, out) => {
    for (const batch of recordBatches) out(sink.writeRecords(batch, { offset: 0 }))
  }
}

// Same bytes?
const whole = {}
for (const [name, run] of Object.entries(variants)) {
  const parts = []
  run(makeSink(options), (b) => parts.push(Buffer.from(b)))
  whole[name] = Buffer.concat(parts)
}
const fromBytes = 1 - asked / rows.length

const times = Object.fromEntries(Object.keys(variants).map((n) => [n, { wall: [], cpu: [] }]))
for (let rep = 0; rep < REPS; rep++) {
  for (const [name, run] of Object.entries(variants)) {
    if (ONLY !== undefined && name !== ONLY) continue
    const sink = makeSink(options)
    let sum = 0
    const t0 = process.hrtime.bigint()
    const c0 = process.cpuUsage()
    run(sink, (b) => (sum += b.length))
    const c = process.cpuUsage(c0)
    times[name].wall.push(Number(process.hrtime.bigint() - t0) / 1000 / rows.length)
    times[name].cpu.push((c.user + c.system) / rows.length)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`${rows.length} posts, batches of ${BATCH}, ${REPS} reps, escapeFormulas ${options.escapeFormulas}`)
console.log(
  `same bytes: ${whole.write.equals(whole.writeRecords)} (${whole.write.length} bytes); written from bytes: ${(100 * fromBytes).toFixed(3)}%`
)
for (const [name, t] of Object.entries(times)) {
  if (t.wall.length === 0) continue
  console.log(`${name.padEnd(13)} ${median(t.wall).toFixed(2)} µs/post wall, ${median(t.cpu).toFixed(2)} µs/post CPU`)
}
