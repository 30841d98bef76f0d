// Encoder throughput: synthetic decoded posts through the csv sink, in batches.
// Usage: node bench/encode.mjs [posts=200000] [batchSize=1000] [runs=3]
// Build first (npx tsc -b). Prints posts/s for each run and the median.
import { Timestamp } from "@skyporter/core"
import { Effect } from "effect"
import csvPlugin from "../dist/index.js"

const total = Number(process.argv[2] ?? 200_000)
const batchSize = Number(process.argv[3] ?? 1_000)
const runs = Number(process.argv[4] ?? 3)

const WORDS = ["archive", "sky", "post", "hello", "world", "photo", "thread", "reply", "csv", "café", "日本語", "🚀"]

// Deterministic pseudo-random numbers, so every run encodes the same posts.
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const pick = (list) => list[Math.floor(random() * list.length)]

const sentence = () => {
  const n = 5 + Math.floor(random() * 30)
  const words = []
  for (let i = 0; i < n; i++) words.push(pick(WORDS))
  let text = words.join(" ")
  const r = random()
  if (r < 0.1) text += ", with a comma"
  else if (r < 0.15) text = `he said "${text}"`
  else if (r < 0.2) text += "\nsecond line"
  else if (r < 0.22) text = " " + text
  return text
}

const cid = (i) => `bafyrei${i.toString(36).padStart(12, "0")}abcdefghijklmnopqrstuvwxyz0123456789abcde`

const imagesEmbed = (i, count) => {
  const images = []
  for (let k = 0; k < count; k++) {
    const blob = `bafkrei${(i * 7 + k).toString(36).padStart(10, "0")}abcdefghijklmnopqrstuvwxyz0123456`
    images.push({
      thumb: `https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:bench/${blob}@jpeg`,
      fullsize: `https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:bench/${blob}@jpeg`,
      alt: "alt text, with comma",
      aspectRatio: { height: 1500, width: 2000 }
    })
  }
  return JSON.stringify({ $type: "app.bsky.embed.images#view", images })
}

const makePost = (i) => {
  const ms = Date.UTC(2024, 0, 1) + i * 61_000
  const created = new Date(ms).toISOString()
  const indexed = new Date(ms + 1234).toISOString()
  const hasMedia = random() < 0.3
  const reply = random() < 0.25
  const embed = hasMedia ? imagesEmbed(i, 1 + Math.floor(random() * 4)) : null
  return {
    uri: `at://did:plc:bench/app.bsky.feed.post/3k${i.toString(36).padStart(11, "0")}`,
    cid: cid(i),
    did: "did:plc:bench",
    text: sentence(),
    createdAt: Timestamp.decode(created),
    indexedAt: Timestamp.decode(indexed),
    archivedAt: null,
    hasMedia,
    isReply: reply,
    likeCount: String(Math.floor(random() * 500)),
    repostCount: String(Math.floor(random() * 50)),
    replyCount: String(Math.floor(random() * 20)),
    quoteCount: String(Math.floor(random() * 5)),
    replyParent: reply ? `at://did:plc:other/app.bsky.feed.post/3k${(i + 1).toString(36).padStart(11, "0")}` : "",
    embedType: hasMedia ? "images" : "",
    embedData: embed === null ? null : { text: embed, valid: true },
    labels: null
  }
}

// The pipeline holds one batch at a time, so the posts come from a pool of
// 20,000 distinct posts reused in turn: the heap stays the size a real export
// has, the same posts are encoded whatever the batch size, and the time
// measured is encoding, not garbage collection of a heap holding every post.
const POOL_POSTS = Math.min(20_000, total)
const pool = Array.from({ length: POOL_POSTS }, (_, i) => makePost(i))
const batches = []
for (let start = 0; start < total; start += batchSize) {
  const size = Math.min(batchSize, total - start)
  const batch = Array.from({ length: size })
  for (let k = 0; k < size; k++) batch[k] = pool[(start + k) % POOL_POSTS]
  batches.push(batch)
}

// A chunk is text (written as UTF-8) or UTF-8 bytes.
const byteLength = (chunk) => (typeof chunk === "string" ? Buffer.byteLength(chunk, "utf8") : chunk.length)

/** Encodes all posts; returns the number of bytes produced. */
const encodeAll = () => {
  const sink = Effect.runSync(csvPlugin.make({ bom: true, escapeFormulas: false }))
  let bytes = byteLength(Effect.runSync(sink.start))
  for (const batch of batches) bytes += byteLength(Effect.runSync(sink.write(batch)))
  bytes += byteLength(Effect.runSync(sink.end))
  return bytes
}

encodeAll() // warm-up
const rates = []
for (let r = 0; r < runs; r++) {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const bytes = encodeAll()
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const rate = total / seconds
  rates.push(rate)
  console.log(
    `run ${r + 1}: ${total} posts (${bytes} bytes) in ${seconds.toFixed(3)} s = ${Math.round(rate)} posts/s` +
      ` (CPU ${cpuSeconds.toFixed(3)} s, including GC threads)`
  )
}
rates.sort((a, b) => a - b)
console.log(`median of ${runs}: ${Math.round(rates[Math.floor(rates.length / 2)])} posts/s (batch size ${batchSize})`)
