// The json sink writing from posts' stored bytes (writeRecords) against
// writing decoded posts (the core's decoding, then write), µs per post on
// one thread, for the posts of a seeded archive. Build first.
//
//   node scripts/bench-records.mjs [posts=100000] [runs=15]
//
// Modes run alternately; the minimum is the steadiest figure on a busy
// machine. "read" is better-sqlite3 stepping the same rows (the strings
// write's path needs), which the core's record reader replaces with its
// own; records are built here with fromRows, outside the timing.
import Database from "better-sqlite3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Post } from "@skyporter/core"
import { fromRows } from "@skyporter/core/RecordBatch"
import json from "@skyporter/format-json"
import { seedArchive } from "@skyporter/synthetic"

const TOTAL = Number(process.argv[2] ?? 100_000)
const RUNS = Number(process.argv[3] ?? 15)
const BATCH = 1_000

const dir = mkdtempSync(join(tmpdir(), "skyporter-bench-"))
try {
  const file = join(dir, "archive.db")
  seedArchive(file, { posts: TOTAL, otherDids: 0 })
  const db = new Database(file, { readonly: true })
  const select = db.prepare(`SELECT ${Post.selectColumns} FROM posts ORDER BY created_at DESC, uri ASC`).raw(true)
  const rows = select.all()
  const noWarn = () => {}
  let declined = 0
  const batches = []
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH)
    batches.push({ rows: part, records: fromRows(part, (r, j) => (declined++, Post.decodeRow(r, noWarn, j))) })
  }

  const modes = {
    read: () => {
      for (const _ of select.iterate());
    },
    decode: () => {
      for (const b of batches) b.rows.map((r, j) => Post.decodeRow(r, noWarn, j))
    },
    "decode+write": (sink) => {
      let offset = 0
      for (const b of batches) {
        sink.write(
          b.rows.map((r, j) => Post.decodeRow(r, noWarn, j)),
          { offset }
        )
        offset += b.rows.length
      }
    },
    writeRecords: (sink) => {
      let offset = 0
      for (const b of batches) {
        sink.writeRecords(b.records, { offset })
        offset += b.rows.length
      }
    }
  }
  const times = Object.fromEntries(Object.keys(modes).map((m) => [m, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [mode, f] of Object.entries(modes)) {
      const sink = await json.make({}, { total: rows.length })
      const t0 = process.hrtime.bigint()
      f(sink)
      times[mode].push(Number(process.hrtime.bigint() - t0) / 1e3 / rows.length)
    }
  }
  for (const [mode, t] of Object.entries(times)) {
    t.sort((a, b) => a - b)
    console.log(`${mode.padEnd(13)} min ${t[0].toFixed(3)}  median ${t[t.length >> 1].toFixed(3)} µs/post`)
  }
  console.log(`${declined / RUNS} of ${rows.length} posts declined (written from post(i))`)
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
