// Where a reader thread's time goes, per post, on one thread: SQLite stepping
// (better-sqlite3 rows), the core's decoding, the format's sink, and the copy
// into a carrier, as SnapshotWorker does them, for the first N posts of the
// bench archive (`npm run bench` seeds it). Build first.
//
//   node scripts/bench-stages.mjs [json|csv] [posts=200000] [runs=3]
//
// Prints µs per post for each run and the medians. Alternate it with a build
// of another commit to compare: the machine's noise is larger than most
// differences between single runs.
import Database from "better-sqlite3"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Post from "@skyporter/core/Post"
import { BatchWarnings } from "@skyporter/core/Warnings"
import { toInternal } from "@skyporter/core/FormatPlugin"
import csv from "@skyporter/format-csv"
import json from "@skyporter/format-json"

const format = process.argv[2] ?? "json"
const posts = Number(process.argv[3] ?? 200_000)
const runs = Number(process.argv[4] ?? 3)
const written = { json, csv }[format]
if (written === undefined) throw new Error(`format must be json or csv, got ${format}`)
// The engine's form of the plugin: its sink's calls are effects, as the core runs them.
const plugin = toInternal(written)

const root = path.resolve(import.meta.dirname, "..")
const db = new Database(path.join(root, ".bench-cache/archive-1000000.db"), { readonly: true, fileMustExist: true })
db.pragma("cache_size = -2000")
const rows = db
  .prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC, rowid ASC LIMIT ?`)
  .raw(true)
const DID = "did:plc:skyporterdemo22222222222"
const carrier = Buffer.allocUnsafe(8 << 20)

const run = () => {
  const sink = Effect.runSync(plugin.make({}, { total: posts }))
  const time = { read: 0, decode: 0, encode: 0, copy: 0 }
  let batch = []
  let offset = 0
  const flush = () => {
    let t = performance.now()
    const warnings = new BatchWarnings()
    const decoded = Array.from({ length: batch.length })
    for (let i = 0; i < batch.length; i++) {
      warnings.current = i
      decoded[i] = Post.decodeRow(batch[i], warnings.warn, i)
    }
    time.decode += performance.now() - t
    t = performance.now()
    const chunk = Effect.runSync(sink.write(decoded, { offset }))
    time.encode += performance.now() - t
    t = performance.now()
    if (typeof chunk === "string") carrier.write(chunk, 0)
    else carrier.set(chunk)
    time.copy += performance.now() - t
    offset += batch.length
    batch = []
  }
  let t = performance.now()
  for (const row of rows.iterate(DID, posts)) {
    batch.push(row)
    if (batch.length === 1000) {
      time.read += performance.now() - t
      flush()
      t = performance.now()
    }
  }
  time.read += performance.now() - t
  if (batch.length > 0) flush()
  const perPost = (ms) => (ms * 1000) / posts
  return Object.fromEntries(Object.entries(time).map(([k, v]) => [k, perPost(v)]))
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = []
for (let i = 0; i < runs; i++) {
  const r = run()
  results.push(r)
  console.log(
    `run ${i + 1}: ` +
      Object.entries(r)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(", ") +
      " µs/post"
  )
}
console.log(
  `median (${format}, ${posts} posts): ` +
    Object.keys(results[0])
      .map((k) => `${k} ${median(results.map((r) => r[k])).toFixed(2)}`)
      .join(", ") +
    " µs/post"
)
