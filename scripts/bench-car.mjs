#!/usr/bin/env node
// Signed repository CARs for the import benchmark, made once into
// .bench-cache/ (git-ignored). The reference implementation (@atproto/repo)
// takes minutes per 100k records, so they are written here: records and tree
// nodes encoded with @ipld/dag-cbor, the tree built bottom-up by the MST rules
// (key layer = leading zero bit pairs of sha-256), the commit signed with an
// @atproto/crypto key. Before a process writes its first CAR, a small CAR
// from the same writer is checked by @atproto/repo's verifyRepoCar (tree,
// records and signature), so the benchmark imports what the reference
// implementation accepts. Tests use @atproto/repo itself.
//
//   node scripts/bench-car.mjs 2600000     writes (or finds) that CAR, prints its path
//   import { benchCar } from "./bench-car.mjs"; await benchCar(100_000)
import { Secp256k1Keypair } from "@atproto/crypto"
import { verifyRepoCar } from "@atproto/repo"
import { CarWriter } from "@ipld/car/writer"
import * as dagCbor from "@ipld/dag-cbor"
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
const cache = path.join(root, ".bench-cache")
export const DID = "did:plc:skyporterimport2222222222"

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

let keypair
/** A signing key, and proof that the writer's output is a repository the reference implementation accepts. */
const checkedKey = async () => {
  if (keypair !== undefined) return keypair
  const key = await Secp256k1Keypair.create({ exportable: true })
  mkdirSync(cache, { recursive: true })
  const probe = path.join(cache, `import-probe-${process.pid}.car`)
  await writeCar(probe, 1_000, key)
  try {
    await verifyRepoCar(readFileSync(probe), DID, key.did())
  } finally {
    rmSync(probe, { force: true })
  }
  keypair = key
  return key
}

/** The path of the cached `n`-post repository CAR, written first when absent. */
export const benchCar = async (n) => {
  const file = path.join(cache, `import-${n}.car`)
  if (!existsSync(file)) {
    const key = await checkedKey()
    process.stderr.write(`writing a ${n}-post repository CAR (once; cached in .bench-cache/)… `)
    const t = Date.now()
    await writeCar(file, n, key)
    process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)}s\n`)
  }
  return file
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const n = Number(process.argv[2])
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write("usage: node scripts/bench-car.mjs POSTS\n")
    process.exit(2)
  }
  process.stdout.write(`${await benchCar(n)}\n`)
}
