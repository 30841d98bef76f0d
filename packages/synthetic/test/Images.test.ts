import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { inflateSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import * as Images from "../src/Images.js"
import * as Synthetic from "../src/Synthetic.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-images-")

/** CRC-32 computed bit by bit (the module under test uses a table). */
const crc32 = (data: Buffer): number => {
  let c = ~0
  for (const byte of data) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1))
  }
  return ~c >>> 0
}

/** Walks a PNG's chunks, checking each CRC; returns IHDR's size and the inflated pixel rows. */
const readPng = (data: Buffer) => {
  expect(data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const types: Array<string> = []
  const idat: Array<Buffer> = []
  let size = { width: 0, height: 0 }
  for (let at = 8; at < data.length;) {
    const length = data.readUInt32BE(at)
    const type = data.toString("latin1", at + 4, at + 8)
    const body = data.subarray(at + 8, at + 8 + length)
    expect(data.readUInt32BE(at + 8 + length), type).toBe(crc32(data.subarray(at + 4, at + 8 + length)))
    types.push(type)
    if (type === "IHDR") size = { width: body.readUInt32BE(0), height: body.readUInt32BE(4) }
    if (type === "IDAT") idat.push(body)
    at += 12 + length
  }
  return { types, ...size, pixels: inflateSync(Buffer.concat(idat)) }
}

const HAS_DJPEG = spawnSync("djpeg", ["-version"]).error === undefined

describe("Images", () => {
  it("makes a PNG whose chunks, CRCs and pixel rows are valid, one colour per label", () => {
    const png = readPng(Images.png("label-1"))
    expect(png.types).toEqual(["IHDR", "tEXt", "IDAT", "IEND"])
    expect(png.pixels.length).toBe(png.height * (1 + 3 * png.width))
    const rgb = [...createHash("sha256").update("label-1").digest().subarray(0, 3)]
    expect([...png.pixels.subarray(1, 4)]).toEqual(rgb)
    expect(Images.png("label-1")).toEqual(Images.png("label-1"))
    expect(Images.png("label-2")).not.toEqual(Images.png("label-1"))
  })

  it("makes a baseline JPEG that libjpeg decodes to the label's grey", () => {
    for (const label of ["a", "b", "hash-0", "hash-1", "hash-2"]) {
      const jpeg = Images.jpeg(label)
      expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9])
      if (!HAS_DJPEG) continue
      const file = path.join(dir, `${label}.jpg`)
      writeFileSync(file, jpeg)
      const decoded = spawnSync("djpeg", ["-pnm", file])
      expect(decoded.status, decoded.stderr.toString()).toBe(0)
      expect(decoded.stderr.toString()).toBe("")
      // P5 8 8 255, then 64 grey pixels.
      const pixels = decoded.stdout.subarray(decoded.stdout.length - 64)
      const grey = createHash("sha256").update(label).digest()[0]!
      expect(Math.max(...pixels.map((p) => Math.abs(p - grey)))).toBeLessThanOrEqual(1)
    }
  })
})

describe("Synthetic.seedArchive with mediaRoot", () => {
  it("writes each media row's image but every 100th, and the same rows as without it", () => {
    const root = path.join(dir, "media-root")
    const file = path.join(dir, "with-media.db")
    const result = Synthetic.seedArchive(file, { posts: 800, seed: 3, mediaRoot: root })
    const plain = Synthetic.seedArchive(path.join(dir, "plain.db"), { posts: 800, seed: 3 })
    expect({ ...result, mediaFiles: 0, missingMediaFiles: 0 }).toEqual(plain)
    const db = new Database(file, { readonly: true })
    const rows = db.prepare("SELECT hash, mime_type, file_path FROM media ORDER BY rowid").all() as Array<{
      hash: string
      mime_type: string
      file_path: string
    }>
    db.close()
    expect(result.missingMediaFiles).toBe(Math.ceil(rows.length / Synthetic.MISSING_MEDIA_EVERY))
    expect(result.mediaFiles + result.missingMediaFiles).toBe(rows.length)
    rows.forEach((row, k) => {
      const target = path.join(root, row.file_path)
      if (k % Synthetic.MISSING_MEDIA_EVERY === 0) return expect(existsSync(target)).toBe(false)
      expect(readFileSync(target)).toEqual(row.mime_type === "image/png" ? Images.png(row.hash) : Images.jpeg(row.hash))
    })
  })
})
