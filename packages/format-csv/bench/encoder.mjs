// Encoder micro-benchmark: csv-stringify (as the plugin used to call it, and
// variations of that call) against the hand-written encoder, side by side in
// one process, on 1,000-row batches of realistic posts.
//
// Usage (build first: npx tsc -b):
//   node bench/encoder.mjs [--posts 20000] [--batch 1000] [--reps 7] [--formulas] [--only name,name]
// Profile one variant:
//   node --cpu-prof --cpu-prof-dir=prof bench/encoder.mjs --only stringify --reps 30
//   node bench/cpuprofile-top.mjs prof/*.cpuprofile
//
// Posts come from @skyporter/testkit's Synthetic generator (the main DID's
// posts: texts of 20–300 characters with commas, quotes, CR/LF, emoji, CJK,
// RTL; counts up to 2^63; replies; image, video and link embeds), decoded by
// the core as an export decodes them. Each repetition runs every variant over
// every batch, in turn, so all variants see the same machine load. Every
// variant is timed up to the UTF-8 bytes the export writes (a string result
// goes through Buffer.from, as the core does), so a variant that returns an
// unflattened rope does not hide that cost. Prints the median µs per row over
// the repetitions (wall clock and process CPU time), and whether the variant's output is byte-identical to the
// plugin's csv-stringify configuration, on these posts and on probe values
// (leading whitespace, `\.`, a lone CR, formulas, quotes).
import { Post } from "@skyporter/core"
import { Synthetic } from "@skyporter/testkit"
import { stringify } from "csv-stringify/sync"
import { Columns, Encoder } from "../dist/index.js"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const POSTS = Number(arg("posts", 20_000))
const BATCH = Number(arg("batch", 1_000))
const REPS = Number(arg("reps", 7))
const OPTIONS = { escapeFormulas: process.argv.includes("--formulas") }
const ONLY = arg("only", undefined)?.split(",")

// Rows as the reader thread sends them (structured clone: flat strings), decoded once.
const posts = []
for (const r of Synthetic.generatePosts({ posts: POSTS, otherDids: 0 })) {
  const raw = structuredClone([
    r.uri,
    r.cid,
    r.did,
    r.text,
    r.created_at,
    r.indexed_at,
    r.has_media,
    r.like_count,
    r.repost_count,
    r.reply_count,
    r.quote_count,
    r.is_reply,
    r.reply_parent,
    r.embed_type,
    r.embed_data,
    r.labels,
    r.archived_at
  ])
  posts.push(Post.decodeRow(raw, () => {}))
  if (posts.length === POSTS) break
}
const postBatches = []
for (let i = 0; i < posts.length; i += BATCH) postBatches.push(posts.slice(i, i + BATCH))
// Rows built once, for the variants that start from rows.
const rowBatches = postBatches.map((batch) => batch.map(Columns.toRow))

// Values the synthetic posts may lack, on which some csv-stringify settings differ.
const PROBES = [" lead", "\\.", "a\rb", "\rx", "\tx", "=1+2", "-1", "@x", 'say "hi", ok', "", "\u3000x", "\ufeffx"]
const probePosts = PROBES.map((text, i) => ({
  ...posts[i % posts.length],
  text,
  replyParent: PROBES[(i + 1) % PROBES.length]
}))
const probeRows = probePosts.map(Columns.toRow)

const config = Encoder.stringifyOptions(OPTIONS)
const { quoted_match: _qm, ...withoutQuotedMatch } = config
const { quote_record_delimiter: _qrd, ...withoutQuoteRecordDelimiter } = config

const bytes = (chunk) => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)
const encodeRows = Encoder.make(OPTIONS)
const encodeBatch = Encoder.makeBatch(OPTIONS)

// Records gathered into strings of ~16K UTF-16 units, each converted to UTF-8
// on its own (what the new sink does): avoids flattening one large string.
const segmented = (items, record) => {
  const parts = []
  let segment = ""
  for (const item of items) {
    segment += record(item)
    if (segment.length >= 16_384) {
      parts.push(Buffer.from(segment, "utf8"))
      segment = ""
    }
  }
  parts.push(Buffer.from(segment, "utf8"))
  return Buffer.concat(parts)
}

// Each variant encodes one batch; `rows` variants get Columns.toRow rows, `posts` variants decoded posts.
const variants = [
  {
    name: "stringify",
    note: "(a) csv-stringify, one call per batch: the plugin before this change",
    input: "rows",
    run: (rows) => bytes(stringify(rows, config))
  },
  {
    name: "stringify-per-record",
    note: "(b) one stringify call per record",
    input: "rows",
    run: (rows) => {
      let out = ""
      for (const row of rows) out += stringify([row], config)
      return bytes(out)
    }
  },
  {
    name: "stringify-per-record-segmented",
    note: "(b) one stringify call per record, gathered into 16K-unit segments converted one by one",
    input: "rows",
    run: (rows) => segmented(rows, (row) => stringify([row], config))
  },
  {
    name: "stringify-minimal-options",
    note: "(b) only quoted_match and escape_formulas set, the rest left to defaults",
    input: "rows",
    run: (rows) =>
      bytes(stringify(rows, { quoted_match: config.quoted_match, escape_formulas: config.escape_formulas }))
  },
  {
    name: "stringify-no-quoted-match",
    note: "(b) without quoted_match (\\. and leading whitespace no longer quoted)",
    input: "rows",
    run: (rows) => bytes(stringify(rows, withoutQuotedMatch))
  },
  {
    name: "stringify-no-quote-record-delimiter",
    note: "(b) without quote_record_delimiter (a lone CR no longer quoted)",
    input: "rows",
    run: (rows) => bytes(stringify(rows, withoutQuoteRecordDelimiter))
  },
  {
    name: "stringify-neither",
    note: "(b) without quoted_match and quote_record_delimiter",
    input: "rows",
    run: (rows) => bytes(stringify(rows, { ...withoutQuotedMatch, quote_record_delimiter: false }))
  },
  {
    name: "encoder-rows",
    note: "(c) Encoder.make: the new encoder over the same rows, one string per batch",
    input: "rows",
    run: (rows) => bytes(encodeRows(rows))
  },
  {
    name: "encoder-rows-segmented",
    note: "(c) the new encoder over the same rows, one record at a time, in 16K-unit segments",
    input: "rows",
    run: (rows) => segmented(rows, (row) => encodeRows([row]))
  },
  {
    name: "old-sink",
    note: "(a) posts to bytes as the old sink did: toRow + stringify + Buffer.from",
    input: "posts",
    run: (batch) => bytes(stringify(batch.map(Columns.toRow), config))
  },
  {
    name: "new-sink",
    note: "(c) posts to bytes as the new sink does: Encoder.makeBatch (16K-unit segments)",
    input: "posts",
    run: (batch) => bytes(encodeBatch(batch))
  }
].filter((v) => ONLY === undefined || ONLY.includes(v.name))

// Byte-identity with the plugin's csv-stringify configuration, over all batches and the probes.
const expected = [...rowBatches, probeRows].map((rows) => Buffer.from(stringify(rows, config), "utf8"))
for (const v of variants) {
  const inputs = v.input === "rows" ? [...rowBatches, probeRows] : [...postBatches, probePosts]
  v.same = inputs.every((input, i) => Buffer.from(v.run(input)).equals(expected[i]))
  v.times = []
  v.cpu = []
}

let sink = 0 // keeps results alive, so no variant is optimised away
// Wall-clock and process CPU time (GC threads included) per row. On a shared
// machine the CPU time is the steadier figure: it leaves out time spent
// waiting for a core.
const runOnce = (v) => {
  const inputs = v.input === "rows" ? rowBatches : postBatches
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (const input of inputs) sink += v.run(input).length
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / posts.length
  const cpu = process.cpuUsage(cpu0)
  return { wall, cpu: (cpu.user + cpu.system) / posts.length }
}

for (const v of variants) runOnce(v) // warm-up
for (let r = 0; r < REPS; r++) {
  for (const v of variants) {
    const { wall, cpu } = runOnce(v)
    v.times.push(wall)
    v.cpu.push(cpu)
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const size = expected.slice(0, -1).reduce((n, b) => n + b.length, 0)
console.log(
  `node ${process.version}, ${posts.length} posts (${(size / posts.length).toFixed(0)} bytes per record), ` +
    `batches of ${BATCH}, ${REPS} repetitions, escapeFormulas: ${OPTIONS.escapeFormulas}`
)
console.log("")
console.log("| variant | wall µs/row (median) | wall min–max | CPU µs/row (median) | same bytes | what |")
console.log("|---|---:|---:|---:|---|---|")
for (const v of variants) {
  console.log(
    `| ${v.name} | ${median(v.times).toFixed(2)} | ${Math.min(...v.times).toFixed(2)}–${Math.max(...v.times).toFixed(
      2
    )} | ${median(v.cpu).toFixed(2)} | ${v.same ? "yes" : "NO"} | ${v.note} |`
  )
}
if (sink < 0) console.log(sink)
