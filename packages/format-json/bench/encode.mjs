// Encoding throughput of the json sink on synthetic decoded posts (no SQLite).
// Each chunk is turned into UTF-8 bytes as the core does before writing it.
// Build first (npx tsc -b), then: node bench/encode.mjs [posts=200000] [batchSize=1000]
// Prints posts/s by wall clock and by this process's CPU time (steadier on a
// busy machine) for 3 runs after a warm-up, then the medians.
import { Effect } from "effect"
import { Timestamp } from "@skyporter/core"
import { jsonFormat } from "../dist/index.js"

const TOTAL = Number(process.argv[2] ?? 200_000)
const BATCH = Number(process.argv[3] ?? 1_000)
const POOL = 20_000
const RUNS = 3

const words = [
  "sky",
  "blue",
  "export",
  "coffee",
  "thread",
  "photo",
  "night",
  "link",
  "write",
  "json",
  "archive",
  "weekend"
]
const extras = ["", "", "", " 🚀✨", " café déjà vu", "\nsecond line", ' "quoted" & <b>', " 日本語のテキスト"]

const pick = (i, k) => words[(i * 7 + k * 13) % words.length]
const sentence = (i, n) => Array.from({ length: n }, (_, k) => pick(i, k)).join(" ")
const ts = (i, offset) => {
  const d = new Date(Date.UTC(2024, 0, 1) + i * 61_000 + offset)
  return Timestamp.decode(d.toISOString())
}
const cidOf = (i) => "bafyrei" + ((i * 2654435761) >>> 0).toString(32).padStart(52, "q")

const imagesEmbed = (i, n) =>
  JSON.stringify({
    $type: "app.bsky.embed.images#view",
    images: Array.from({ length: n }, (_, k) => ({
      thumb: `https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:bench/${cidOf(i + k)}@jpeg`,
      fullsize: `https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:bench/${cidOf(i + k)}@jpeg`,
      alt: sentence(i + k, 6),
      aspectRatio: { height: 1500, width: 2000 }
    }))
  })

const externalEmbed = (i) =>
  JSON.stringify({
    $type: "app.bsky.embed.external#view",
    external: {
      uri: `https://example.com/articles/${i}`,
      title: sentence(i, 8),
      description: sentence(i + 1, 20),
      thumb: `https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:bench/${cidOf(i)}@jpeg`
    }
  })

const makePost = (i) => {
  const r = i % 20
  const embed =
    r < 7
      ? { type: "images", text: imagesEmbed(i, 1 + (i % 4)) }
      : r < 9
        ? { type: "external", text: externalEmbed(i) }
        : null
  return {
    uri: `at://did:plc:bench/app.bsky.feed.post/3k${i.toString(36).padStart(11, "a")}`,
    cid: cidOf(i),
    did: "did:plc:bench",
    text: sentence(i, 10 + (i % 30)) + extras[i % extras.length],
    createdAt: ts(i, 123),
    indexedAt: ts(i, 45_678),
    archivedAt: ts(i, 86_400_000),
    hasMedia: r < 7,
    isReply: i % 3 === 0,
    likeCount: String(i % 97),
    repostCount: String(i % 13),
    replyCount: String(i % 5),
    quoteCount: "0",
    replyParent: i % 3 === 0 ? `at://did:plc:other/app.bsky.feed.post/3k${(i + 1).toString(36)}` : "",
    embedType: embed?.type ?? "",
    embedData: embed === null ? null : { text: embed.text, valid: true },
    labels: i % 10 === 0 ? { text: "[]", valid: true } : null
  }
}

const pool = Array.from({ length: POOL }, (_, i) => makePost(i))
const batches = []
for (let i = 0; i < TOTAL; i += BATCH) {
  const batch = []
  for (let k = i; k < Math.min(i + BATCH, TOTAL); k++) batch.push(pool[k % POOL])
  batches.push(batch)
}

// What the core does with a chunk before writing it.
const toBytes = (chunk) => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)

const run = () => {
  const started = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  let bytes = 0
  Effect.runSync(
    Effect.gen(function* () {
      const sink = yield* jsonFormat.make({})
      bytes += toBytes(yield* sink.start).length
      for (const batch of batches) bytes += toBytes(yield* sink.write(batch)).length
      bytes += toBytes(yield* sink.end).length
    })
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const used = process.cpuUsage(cpu)
  const cpuSeconds = (used.user + used.system) / 1e6
  return { rate: TOTAL / seconds, cpuRate: TOTAL / cpuSeconds, seconds, bytes }
}

const fmt = (n) => Math.round(n).toLocaleString("en-US")
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]

run() // warm-up
const results = Array.from({ length: RUNS }, run)
for (const r of results) {
  console.log(
    `${fmt(r.rate)} posts/s wall, ${fmt(r.cpuRate)} posts/s CPU (${r.seconds.toFixed(3)} s, ${fmt(r.bytes)} bytes)`
  )
}
console.log(
  `median: ${fmt(median(results.map((r) => r.rate)))} posts/s wall, ` +
    `${fmt(median(results.map((r) => r.cpuRate)))} posts/s CPU (${TOTAL} posts, batches of ${BATCH}, ` +
    `${fmt(results[0].bytes / TOTAL)} bytes/post)`
)
