/**
 * One DID's rowids in export order, read from skyporter's export-order index
 * in the archive's file (SqliteFile): what SQLite's `SELECT rowid … WHERE
 * did = ? ORDER BY created_at DESC, uri, rowid` returns through that index,
 * without a step of SQLite per post. Skipping the posts of another thread's
 * chunk costs a visit per index page, not per post.
 */
import { CorruptFile, lastVarintLength, type SqliteFile, valueSize, varint } from "./SqliteFile.js"

const INTERIOR_INDEX = 0x02
const LEAF_INDEX = 0x0a

/** A page on the way down: `i` is the child being visited (interior) or the next cell (leaf). */
interface Frame {
  readonly page: number
  readonly leaf: boolean
  readonly cells: number
  i: number
}

export class ExportOrderWalk {
  private readonly stack: Array<Frame> = []
  /** Posts of the DID passed so far. */
  private position = 0
  private ended = false
  private readonly maxLocal: number

  /** `did`: the DID as SQLite compares it, its UTF-8 bytes. */
  constructor(
    private readonly file: SqliteFile,
    root: number,
    private readonly did: Buffer
  ) {
    this.maxLocal = Math.floor(((file.usable - 12) * 64) / 255) - 23
    this.descend(root)
  }

  /** The rowids (past 2^53 as text) of `limit` posts from position `offset`, never before one asked for already. */
  take(offset: number, limit: number): Array<number | string> {
    if (offset < this.position) throw new Error(`chunk at ${offset} asked for after ${this.position}`)
    this.skip(offset - this.position)
    const keys: Array<number | string> = []
    while (keys.length < limit && !this.ended) {
      const key = this.next()
      if (key === undefined) this.ended = true
      else {
        keys.push(key)
        this.position++
      }
    }
    return keys
  }

  /** From the root to the first entry whose DID is not below this one's. */
  private descend(pageNo: number): void {
    for (let depth = 0; depth < 40; depth++) {
      const page = this.file.read(pageNo)
      const base = this.file.pageBase
      const h = base + (pageNo === 1 ? 100 : 0)
      const type = page[h]
      const cells = page.readUInt16BE(h + 3)
      const leaf = type === LEAF_INDEX
      if (!leaf && type !== INTERIOR_INDEX) throw new CorruptFile(`page ${pageNo} is not an index B-tree page`)
      const pointers = h + (leaf ? 8 : 12)
      let lo = 0
      let hi = cells
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (this.compare(this.file.read(pageNo), pointers, mid, leaf) < 0) lo = mid + 1
        else hi = mid
      }
      this.stack.push({ page: pageNo, leaf, cells, i: lo })
      if (leaf) return
      pageNo = this.child(pageNo, lo)
    }
    throw new CorruptFile("index B-tree deeper than 40 levels")
  }

  /** Child `i` of interior page `pageNo` (`cells` for the right-most). */
  private child(pageNo: number, i: number): number {
    const page = this.file.read(pageNo)
    const base = this.file.pageBase
    const h = base + (pageNo === 1 ? 100 : 0)
    const cells = page.readUInt16BE(h + 3)
    return page.readUInt32BE(i < cells ? this.file.cell(page, base, h + 12, i) : h + 8)
  }

  /** Pushes the way down to the first entry under `pageNo`. */
  private leftmost(pageNo: number): void {
    for (let depth = 0; depth < 40; depth++) {
      const page = this.file.read(pageNo)
      const h = this.file.pageBase + (pageNo === 1 ? 100 : 0)
      const type = page[h]
      const leaf = type === LEAF_INDEX
      if (!leaf && type !== INTERIOR_INDEX) throw new CorruptFile(`page ${pageNo} is not an index B-tree page`)
      this.stack.push({ page: pageNo, leaf, cells: page.readUInt16BE(h + 3), i: 0 })
      if (leaf) return
      pageNo = this.child(pageNo, 0)
    }
    throw new CorruptFile("index B-tree deeper than 40 levels")
  }

  /** Passes `n` entries; by whole leaves where it can. */
  private skip(n: number): void {
    while (n > 0 && this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!
      if (top.leaf) {
        const k = Math.min(n, top.cells - top.i)
        top.i += k
        n -= k
        this.position += k
        if (top.i >= top.cells) this.stack.pop()
      } else if (top.i < top.cells) {
        top.i++
        n--
        this.position++
        this.leftmost(this.child(top.page, top.i))
      } else this.stack.pop()
    }
  }

  /** The next entry's rowid, or undefined past the DID's last. */
  private next(): number | string | undefined {
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!
      if (top.leaf) {
        if (top.i < top.cells) return this.rowid(top.page, top.i++, true)
        this.stack.pop()
      } else if (top.i < top.cells) {
        const key = this.rowid(top.page, top.i, false)
        top.i++
        if (key !== undefined) this.leftmost(this.child(top.page, top.i))
        return key
      } else this.stack.pop()
    }
    return undefined
  }

  /** Cell `i`'s record: made the file's `payload`; returns where its header starts. */
  private record(page: Buffer, pointers: number, i: number, leaf: boolean): number {
    const base = this.file.pageBase
    let at = this.file.cell(page, base, pointers, i) + (leaf ? 0 : 4)
    const size = varint(page, at)
    at += lastVarintLength()
    this.file.payloadAt(page, base, at, size, this.maxLocal)
    return this.file.start
  }

  /** How the DID of cell `i` compares with this walk's (SQLite's order: NULL, numbers, text, BLOBs). */
  private compare(page: Buffer, pointers: number, i: number, leaf: boolean): number {
    const at = this.record(page, pointers, i, leaf)
    const bytes = this.file.payload
    const headerEnd = at + varint(bytes, at)
    const serial = varint(bytes, at + lastVarintLength())
    if (serial < 12) return -1
    if ((serial & 1) === 0) return 1
    const length = (serial - 13) >> 1
    // Buffer's compare reads the range in place (a subarray would be a view to collect per entry).
    return -this.did.compare(bytes, headerEnd, headerEnd + length)
  }

  /** The rowid of cell `i` of `pageNo` when its DID is this walk's, else undefined (the DID's posts ended). */
  private rowid(pageNo: number, i: number, leaf: boolean): number | string | undefined {
    const page = this.file.read(pageNo)
    const h = this.file.pageBase + (pageNo === 1 ? 100 : 0)
    const at = this.record(page, h + (leaf ? 8 : 12), i, leaf)
    const bytes = this.file.payload
    const end = at + this.file.size
    const headerEnd = at + varint(bytes, at)
    let h2 = at + lastVarintLength()
    let body = headerEnd
    let serial = varint(bytes, h2)
    h2 += lastVarintLength()
    // The DID first: text equal to this walk's.
    if (serial < 13 || (serial & 1) === 0) return undefined
    const length = (serial - 13) >> 1
    if (length !== this.did.length || this.did.compare(bytes, body, body + length) !== 0) return undefined
    body += length
    // Then created_at and uri, then the rowid.
    for (let column = 1; column < 3; column++) {
      serial = varint(bytes, h2)
      h2 += lastVarintLength()
      body += valueSize(serial)
    }
    serial = varint(bytes, h2)
    if (h2 >= headerEnd || body + valueSize(serial) > end || serial < 1 || serial > 9 || serial === 7) {
      throw new CorruptFile("export-order index entry without a rowid")
    }
    if (serial >= 8) return serial - 8
    const value = serial === 6 ? bytes.readBigInt64BE(body) : BigInt(bytes.readIntBE(body, valueSize(serial)))
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : value.toString()
  }
}
