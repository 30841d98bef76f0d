/**
 * Rows of an SQLite database file read by rowid from a table's B-tree,
 * without SQLite (the file format: https://www.sqlite.org/fileformat2.html).
 * The caller holds a read transaction that keeps writers off the file (a
 * rollback journal's shared lock) for as long as it reads; this module only
 * reads pages.
 */
import * as fs from "node:fs"

/** Why a file cannot be read here, or undefined when it can. */
export type Refusal = string | undefined

const HEADER = Buffer.from("SQLite format 3\0", "latin1")
const INTERIOR_TABLE = 0x05
const LEAF_TABLE = 0x0d
/**
 * Interior pages kept (4 MiB of 4 KiB pages): all of a 1M-post archive's, whose posts of one DID
 * may lie anywhere; a larger archive read in order needs only the way down to its next leaves,
 * and 4,096 pages kept a 10M-post one's upper tree for nothing.
 */
const INTERIOR_CACHE = 1024
/** Pages read at once when reads run through the file in order (neighbours in export order often are). */
const BLOCK_PAGES = 16
/** Blocks kept, direct-mapped by block number. */
const BLOCKS = 32

export class CorruptFile extends Error {}

/** Length of the varint last read by `varint`. */
let varintLength = 0

/** The varint at `at` as a number (exact within ±2^53; larger keys only keep their order). */
export const varint = (b: Uint8Array, at: number): number => {
  let value = 0
  for (let i = 0; i < 8; i++) {
    const byte = b[at + i]!
    value = value * 128 + (byte & 0x7f)
    if (byte < 0x80) {
      varintLength = i + 1
      return i < 7 ? value : signed(b, at, 8)
    }
  }
  varintLength = 9
  return signed(b, at, 9)
}

/** A varint of 8 or 9 bytes, as the signed 64-bit value it spells. */
const signed = (b: Uint8Array, at: number, n: number): number => {
  let value = 0n
  for (let i = 0; i < n; i++)
    value = i < 8 ? (value << 7n) | BigInt(b[at + i]! & 0x7f) : (value << 8n) | BigInt(b[at + i]!)
  return Number(BigInt.asIntN(64, value))
}

export const lastVarintLength = (): number => varintLength

/** Bytes of a record value of serial type `serial` (file format, "record format"). */
export const valueSize = (serial: number): number =>
  serial >= 12 ? (serial - 12) >> 1 : serial <= 4 ? serial : serial === 5 ? 6 : serial === 6 || serial === 7 ? 8 : 0

export class SqliteFile {
  /** The payload found by the last `seek`: `size` bytes of `payload` from `start`. */
  payload: Buffer = Buffer.alloc(0)
  start = 0
  size = 0

  private readonly interior = new Map<number, Buffer>()
  /** Each slot's block, and the first and past-the-last page of it that the slot holds. */
  private readonly blockTags = new Float64Array(BLOCKS).fill(-1)
  private readonly blockFirst = new Float64Array(BLOCKS)
  private readonly blockEnd = new Float64Array(BLOCKS)
  private readonly blocks: Array<Buffer>
  private lastMiss = -1
  /** The leaf last searched, its table's root, and its first and last keys. */
  private leafRoot = -1
  private leafNo = -1
  private leafFirst = 0
  private leafLast = -1
  /** Where the page last returned by `page` starts in its buffer. */
  private base = 0
  private overflow: Buffer = Buffer.allocUnsafe(64 * 1024)

  private constructor(
    private readonly fd: number,
    readonly pageSize: number,
    /** Bytes of a page used by the B-tree (the page size less the reserved bytes). */
    readonly usable: number,
    /** The schema format number: 4 is the first whose indexes keep DESC order. */
    readonly schemaFormat: number
  ) {
    this.blocks = Array.from({ length: BLOCKS }, () => Buffer.allocUnsafe(pageSize * BLOCK_PAGES))
  }

  /**
   * The file open as `fd` (never closed here: see OpenFiles), or why its
   * rows cannot be read here.
   */
  static open(fd: number): SqliteFile | string {
    const header = Buffer.alloc(100)
    if (fs.readSync(fd, header, 0, 100, 0) < 100 || !header.subarray(0, 16).equals(HEADER)) {
      return "it is not an SQLite database file"
    }
    // Bytes 18 and 19: 2 when the database is in WAL mode, whose pages may live in the -wal file.
    if (header[18] !== 1 || header[19] !== 1) return "it is in WAL mode"
    const raw = header.readUInt16BE(16)
    const pageSize = raw === 1 ? 65536 : raw
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `its page size is ${raw}`
    if (header.readUInt32BE(56) !== 1) return "its text encoding is not UTF-8"
    const usable = pageSize - header[20]!
    if (usable < 480) return `its usable page size is ${usable}`
    return new SqliteFile(fd, pageSize, usable, header.readUInt32BE(44))
  }

  /**
   * Finds `rowid` in the table whose B-tree root is page `root`. On success
   * the row's record is `payload[start .. start + size)`, valid until the
   * next seek.
   */
  seek(root: number, rowid: number): boolean {
    // A key between the first and last of a leaf can only be in that leaf: neighbours in export
    // order mostly share one, so the descent from the root is skipped for them.
    let pageNo = root === this.leafRoot && rowid >= this.leafFirst && rowid <= this.leafLast ? this.leafNo : root
    for (let depth = 0; depth < 40; depth++) {
      let page = this.interior.get(pageNo)
      let base = 0
      if (page === undefined) {
        page = this.page(pageNo)
        base = this.base
      }
      const h = base + (pageNo === 1 ? 100 : 0)
      const type = page[h]
      const cells = (page[h + 3]! << 8) | page[h + 4]!
      if (type === INTERIOR_TABLE) {
        // The first cell whose key is >= rowid holds it on its left; else the right-most child.
        let lo = 0
        let hi = cells
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (varint(page, this.cell(page, base, h + 12, mid) + 4) < rowid) lo = mid + 1
          else hi = mid
        }
        const next = page.readUInt32BE(lo < cells ? this.cell(page, base, h + 12, lo) : h + 8)
        if (!this.interior.has(pageNo)) this.keep(pageNo, page.subarray(base, base + this.pageSize))
        pageNo = next
      } else if (type === LEAF_TABLE) {
        if (cells === 0) return false
        this.leafRoot = root
        this.leafNo = pageNo
        varint(page, this.cell(page, base, h + 8, 0))
        this.leafFirst = varint(page, this.cell(page, base, h + 8, 0) + varintLength)
        varint(page, this.cell(page, base, h + 8, cells - 1))
        this.leafLast = varint(page, this.cell(page, base, h + 8, cells - 1) + varintLength)
        let lo = 0
        let hi = cells
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          const at = this.cell(page, base, h + 8, mid)
          varint(page, at)
          const key = varint(page, at + varintLength)
          if (key === rowid) return this.found(page, base, at)
          if (key < rowid) lo = mid + 1
          else hi = mid
        }
        return false
      } else {
        throw new CorruptFile(`page ${pageNo} is not a table B-tree page (type ${type})`)
      }
    }
    throw new CorruptFile(`table B-tree at page ${root} is deeper than 40 levels`)
  }

  /** Where cell `i` of the page at `base` starts, its pointer array at `pointers`. */
  cell(page: Buffer, base: number, pointers: number, i: number): number {
    const at = page.readUInt16BE(pointers + 2 * i)
    if (at >= this.usable) throw new CorruptFile("cell pointer past the page")
    return base + at
  }

  /** The record of the table leaf cell at `at` of the page at `base` of `page`. */
  private found(page: Buffer, base: number, at: number): true {
    const size = varint(page, at)
    at += varintLength
    varint(page, at)
    return this.payloadAt(page, base, at + varintLength, size, this.usable - 35)
  }

  /**
   * Makes the `size`-byte payload starting at `at` (on the page at `base`)
   * the one `payload`, `start` and `size` give, joining its overflow pages:
   * `maxLocal` is the most a page of its kind keeps itself (file format,
   * "cell payload overflow").
   */
  payloadAt(page: Buffer, base: number, at: number, size: number, maxLocal: number): true {
    const u = this.usable
    if (size <= maxLocal) {
      if (at + size > base + u) throw new CorruptFile("record past its page")
      this.payload = page
      this.start = at
      this.size = size
      return true
    }
    const m = Math.floor(((u - 12) * 32) / 255) - 23
    const k = m + ((size - m) % (u - 4))
    const local = k <= maxLocal ? k : m
    if (at + local + 4 > base + u) throw new CorruptFile("record past its page")
    if (this.overflow.length < size) this.overflow = Buffer.allocUnsafe(Math.max(size, 2 * this.overflow.length))
    const out = this.overflow
    page.copy(out, 0, at, at + local)
    let filled = local
    let next = page.readUInt32BE(at + local)
    for (let pages = 0; filled < size; pages++) {
      if (next === 0 || pages > size) throw new CorruptFile("overflow chain ends early or loops")
      const buffer = this.page(next)
      const n = Math.min(u - 4, size - filled)
      buffer.copy(out, filled, this.base + 4, this.base + 4 + n)
      filled += n
      next = buffer.readUInt32BE(this.base)
    }
    this.payload = out
    this.start = 0
    this.size = size
    return true
  }

  /** Page `pageNo`: the buffer holding it, which starts at `pageBase` in it (valid until the next read). */
  read(pageNo: number): Buffer {
    return this.page(pageNo)
  }

  get pageBase(): number {
    return this.base
  }

  /**
   * The buffer holding page `pageNo`, which starts at `this.base` in it. A
   * miss near the last one reads the page's whole block, any other only the
   * page.
   */
  private page(pageNo: number): Buffer {
    if (!Number.isSafeInteger(pageNo) || pageNo < 1) throw new CorruptFile(`page number ${pageNo}`)
    const block = Math.floor((pageNo - 1) / BLOCK_PAGES)
    const slot = block % BLOCKS
    const buffer = this.blocks[slot]!
    const first = block * BLOCK_PAGES + 1
    if (this.blockTags[slot] !== block || pageNo < this.blockFirst[slot]! || pageNo >= this.blockEnd[slot]!) {
      const near = Math.abs(pageNo - this.lastMiss) <= 2 * BLOCK_PAGES
      this.lastMiss = pageNo
      const from = near ? first : pageNo
      this.blockTags[slot] = -1
      const size = this.pageSize
      const want = near ? BLOCK_PAGES * size : size
      const got = fs.readSync(this.fd, buffer, (from - first) * size, want, (from - 1) * size)
      if (got < size) throw new CorruptFile(`page ${pageNo} is past the end of the file`)
      this.blockTags[slot] = block
      this.blockFirst[slot] = from
      this.blockEnd[slot] = from + Math.floor(got / size)
      if (pageNo >= this.blockEnd[slot]!) throw new CorruptFile(`page ${pageNo} is past the end of the file`)
    }
    this.base = (pageNo - first) * this.pageSize
    return buffer
  }

  /** A copy of interior page `pageNo`, kept. */
  private keep(pageNo: number, page: Buffer): void {
    if (this.interior.size >= INTERIOR_CACHE) this.interior.clear()
    this.interior.set(pageNo, Buffer.from(page))
  }
}
