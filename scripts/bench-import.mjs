#!/usr/bin/env node
// The import benchmark: `skyporter import` of repository CARs of 100k and 1M
// posts (BENCH_IMPORT_SIZES), as a real CLI subprocess into a new archive,
// reporting posts per second and peak RSS (median of BENCH_RUNS, default 3).
//
// The CARs are made once into .bench-cache/ (git-ignored). The reference
// implementation (@atproto/repo) takes minutes per 100k records, so they are
// written here: records and tree nodes encoded with @ipld/dag-cbor, the tree
// built bottom-up by the MST rules (key layer = leading zero bit pairs of
// sha-256), the commit signed with an @atproto/crypto key. Before any timing,
// a small CAR from the same writer is checked by @atproto/repo's
// verifyRepoCar (tree, records and signature), so the benchmark imports what
// the reference implementation accepts. Tests use @atproto/repo itself.
import { Secp256k1Keypair } from "@atproto/crypto"
import { verifyRepoCar } from "@atproto/repo"
import { CarWriter } from "@ipld/car/writer"
import * as dagCbor from "@ipld/dag-cbor"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync
} from "node:fs"
import { once } from "node:events"
import * as path from "node:path"
import { CID } from "multiformats/cid"

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const cache = path.join(root, ".bench-cache")
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZES = (process.env.BENCH_IMPORT_SIZES ?? "100000,1000000")
  .split(",")
  .filter((s) => s !== "")
  .map(Number)
const DID = "did:plc:skyporterimport2222222222"

mkdirSync(cache, { recursive: true })

const SORT32 = "234567abcdefghijklmnopqrstuvwxyz"
const tid = (micros, clock = 0) => {
  let v = (BigInt(micros) << 10n) | BigInt(clock)
  let out = ""
  for (let k = 0; k < 13; k++) {
    out = SORT32[Number(v & 31n)] + out
    v >>= 5n
  }
  return out
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest()
const cidOf = (codec, bytes) =>
  CID.createV1(codec, {
    code: 0x12,
    size: 32,
    digest: sha256(bytes),
    bytes: Uint8Array.from([0x12, 0x20, ...sha256(bytes)])
  })

const layerOf = (key) => {
  let zeros = 0
  for (const byte of sha256(Buffer.from(key, "ascii"))) {
    if (byte === 0) {
      zeros += 8
      continue
    }
    zeros += Math.clz32(byte) - 24
    break
  }
  return zeros >> 1
}

const record = (i) => {
  const at = new Date(Date.UTC(2023, 0, 1) + i * 97_000).toISOString()
  const r = {
    $type: "app.bsky.feed.post",
    text: `post ${i}: ${"words and more words ".repeat(1 + (i % 9))}🦋`,
    createdAt: at,
    langs: ["en"]
  }
  if (i % 7 === 3) {
    const parent = {
      uri: `at://${DID}/app.bsky.feed.post/${tid(1_672_531_200_000_000 + (i - 1) * 1000)}`,
      cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
    }
    r.reply = { root: parent, parent }
  }
  if (i % 10 === 0) {
    const bytes = Buffer.from(`image ${i}`)
    r.embed = {
      $type: "app.bsky.embed.images",
      images: [
        {
          alt: `image ${i}`,
          image: { $type: "blob", ref: cidOf(0x55, bytes), mimeType: "image/jpeg", size: 120_000 },
          aspectRatio: { width: 2000, height: 1500 }
        }
      ]
    }
  }
  return r
}

/** Writes a signed repository CAR of `n` posts, a profile and n/10 likes to `file`. */
const writeCar = async (file, n, keypair) => {
  const temp = `${file}.tmp`
  const placeholder = cidOf(0x71, dagCbor.encode({ placeholder: true }))
  const { writer, out } = CarWriter.create([placeholder])
  const sink = createWriteStream(temp)
  const piping = (async () => {
    for await (const chunk of out) if (!sink.write(chunk)) await once(sink, "drain")
    sink.end()
    await once(sink, "finish")
  })()
  const put = async (value) => {
    const bytes = dagCbor.encode(value)
    const cid = cidOf(0x71, bytes)
    await writer.put({ cid, bytes })
    return cid
  }
  const items = []
  for (let i = 0; i < n; i++) {
    items.push({ key: `app.bsky.feed.post/${tid(1_672_531_200_000_000 + i * 1000)}`, value: record(i) })
  }
  for (let i = 0; i < Math.floor(n / 10); i++) {
    items.push({
      key: `app.bsky.feed.like/${tid(1_672_531_200_000_000 + i * 1000, 1)}`,
      value: {
        $type: "app.bsky.feed.like",
        subject: {
          uri: `at://${DID}/app.bsky.feed.post/x`,
          cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        createdAt: "2024-01-01T00:00:00.000Z"
      }
    })
  }
  items.push({ key: "app.bsky.actor.profile/self", value: { $type: "app.bsky.actor.profile", displayName: "bench" } })
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  let top = 0
  for (const item of items) {
    item.layer = layerOf(item.key)
    item.cid = await put(item.value)
    item.value = undefined
    if (item.layer > top) top = item.layer
  }
  // The node of `layer` over items[lo, hi): entries of that layer, subtrees one layer down between them.
  const build = async (lo, hi, layer) => {
    if (lo >= hi || layer < 0) return null
    const entries = []
    let left = null
    let start = lo
    const close = async (end) => {
      const sub = await build(start, end, layer - 1)
      if (entries.length === 0) left = sub
      else entries[entries.length - 1].t = sub
    }
    for (let i = lo; i < hi; i++) {
      if (items[i].layer !== layer) continue
      await close(i)
      const key = Buffer.from(items[i].key, "ascii")
      const prev = entries.length === 0 ? Buffer.alloc(0) : entries[entries.length - 1].key
      let p = 0
      while (p < prev.length && p < key.length && prev[p] === key[p]) p++
      entries.push({ key, p, k: key.subarray(p), v: items[i].cid, t: null })
      start = i + 1
    }
    await close(hi)
    return put({ l: left, e: entries.map(({ p, k, v, t }) => ({ p, k, v, t })) })
  }
  const data = await build(0, items.length, top)
  const unsigned = { did: DID, version: 3, data, rev: tid(Date.UTC(2026, 0, 1) * 1000), prev: null }
  const commit = await put({ ...unsigned, sig: await keypair.sign(dagCbor.encode(unsigned)) })
  await writer.close()
  await piping
  const fd = openSync(temp, "r+")
  try {
    await CarWriter.updateRootsInFile(fd, [commit])
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
}

const keypair = await Secp256k1Keypair.create({ exportable: true })

// The writer's output must be a repository the reference implementation accepts.
{
  const probe = path.join(cache, "import-probe.car")
  await writeCar(probe, 1_000, keypair)
  await verifyRepoCar(readFileSync(probe), DID, keypair.did())
  rmSync(probe)
}

const carFor = async (n) => {
  const file = path.join(cache, `import-${n}.car`)
  if (!existsSync(file)) {
    process.stderr.write(`writing a ${n}-post repository CAR (once; cached in .bench-cache/)… `)
    const t = Date.now()
    await writeCar(file, n, keypair)
    process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)}s\n`)
  }
  return file
}

/** Runs one import into a new archive; wall seconds and peak RSS (VmHWM) in MB. */
const importOnce = (car, db) =>
  new Promise((resolve, reject) => {
    rmSync(db, { force: true })
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [cli, "import", "--car", car, "--db", db, "--json"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    let peakKb = 0
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }
    const timer = setInterval(sample, 20)
    child.on("error", reject)
    child.on("close", (code) => {
      clearInterval(timer)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0) return reject(new Error(`import exited ${code}: ${stderr}`))
      resolve({ seconds, rssMb: peakKb / 1024, summary: JSON.parse(stdout) })
    })
  })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const rows = []
for (const n of SIZES) {
  const car = await carFor(n)
  const db = path.join(cache, `import-${n}.db`)
  const runs = []
  for (let r = 0; r < RUNS; r++) runs.push(await importOnce(car, db))
  rmSync(db, { force: true })
  const seconds = median(runs.map((r) => r.seconds))
  const posts = runs[0].summary.posts
  if (posts !== n) throw new Error(`expected ${n} posts imported, got ${posts}`)
  rows.push({
    posts: n,
    car_mb: +(runs[0].summary.car_bytes / 2 ** 20).toFixed(1),
    seconds: +seconds.toFixed(2),
    posts_per_second: Math.round(n / seconds),
    records_per_second: Math.round(runs[0].summary.records / seconds),
    peak_rss_mb: Math.round(Math.max(...runs.map((r) => r.rssMb)))
  })
}
console.log("skyporter import (median of %d runs, new archive each run)", RUNS)
console.table(rows)
