/**
 * Posts as stored records, for a sink with `writeRecords`: SQLite finds the
 * rowids in export order, and each row's record is read from the archive's
 * file (SqliteFile) into a RecordBatch, with no JavaScript value made for any
 * field the sink writes from bytes. Only archives whose file holds every
 * committed row while a reader's transaction is open qualify: a rollback
 * journal (whose shared lock keeps writers off the file), UTF-8 text, and a
 * `posts` table of plain stored columns.
 */
import type Database from "better-sqlite3"
import * as Post from "../Post.js"
import { FIELDS, FieldKind, type RecordBatch } from "../RecordBatch.js"
import { ExportOrderWalk } from "./ExportOrderWalk.js"
import { type Layout, layoutOf } from "./PostsLayout.js"
import { CorruptFile, lastVarintLength, SqliteFile, valueSize, varint } from "./SqliteFile.js"

/** Counts, selected past 2^53 as their exact text (Post.selectColumns). */
const FIRST_COUNT = 7
const LAST_COUNT = 10
const URI = 0
const CREATED_AT = 4

/** Serial type of each field of the record last parsed, and where its value starts. */
const serials = new Float64Array(FIELDS)
const offsets = new Int32Array(FIELDS)

export class StoredRecords {
  /** Per post of the current batch: where its record starts in the batch's bytes, or its row from SQL. */
  private readonly rows: Array<number | Array<unknown>> = []
  private readonly row: Database.Statement

  private constructor(
    private readonly file: SqliteFile,
    private readonly fd: number,
    private readonly layout: Layout,
    db: Database.Database
  ) {
    this.row = db.prepare(`SELECT ${Post.selectColumns} FROM posts WHERE rowid = ?`).raw(true)
    this.fieldAt = new Int8Array(Math.max(...layout.positions) + 1).fill(-1)
    layout.positions.forEach((column, f) => (this.fieldAt[column] = f))
  }

  /**
   * Reads `db`'s posts from its file, open as `fd`, while `db`'s read transaction is open, or
   * says why they cannot be.
   */
  static open(db: Database.Database, fd: number): StoredRecords | string {
    const found = layoutOf(db)
    if (typeof found === "string") return found
    const file = SqliteFile.open(fd)
    return typeof file === "string" ? file : new StoredRecords(file, fd, found, db)
  }

  /**
   * The export order's rowids for `did` walked in skyporter's export-order
   * index in the file (through a reader of its own, so the two keep their
   * pages apart), when the archive has that index as skyporter makes it.
   */
  exportOrder(did: string): ExportOrderWalk | undefined {
    const root = this.layout.exportIndex
    // Before schema format 4, SQLite ignores DESC in an index: its order is not the export's.
    if (root === undefined || this.file.schemaFormat !== 4) return undefined
    const file = SqliteFile.open(this.fd)
    return typeof file === "string" ? undefined : new ExportOrderWalk(file, root, Buffer.from(did, "utf8"))
  }

  /** Empties `batch` for the next posts. */
  reset(batch: RecordBatch): void {
    batch.reset()
    this.rows.length = 0
  }

  /**
   * Finds post `rowid` (past 2^53 as its text) for `add`, and returns its
   * stored size. A row the file does not hold where the table says is read
   * through SQL instead (size 0).
   */
  find(rowid: number | string): number {
    this.rowid = rowid
    if (typeof rowid === "number" && this.seek(rowid)) {
      this.fetched = undefined
      return this.file.size
    }
    this.fetched = this.fetch(rowid)
    return 0
  }

  /** Whether post `i` of the current batch can anchor a search of the export order (IndexedChunks). */
  anchorable(batch: RecordBatch, i: number): boolean {
    const row = this.rows[i]!
    if (typeof row !== "number") return row[URI] !== null && row[CREATED_AT] !== null
    return batch.kinds[i * FIELDS + URI] !== FieldKind.Null && batch.kinds[i * FIELDS + CREATED_AT] !== FieldKind.Null
  }

  /** The rowid of the post last added. */
  get lastKey(): number | string {
    return this.added
  }

  /** Whether the file holds `rowid` where the table says; SQLite decides about anything it does not expect. */
  private seek(rowid: number): boolean {
    try {
      return this.file.seek(this.layout.root, rowid)
    } catch (e) {
      if (e instanceof CorruptFile) return false
      throw e
    }
  }

  /** Appends the post last found to `batch`. */
  add(batch: RecordBatch): void {
    const k = batch.add()
    this.added = this.rowid
    const { file } = this
    if (this.fetched === undefined) {
      const at = batch.reserve(file.size)
      file.payload.copy(batch.bytes, at, file.start, file.start + file.size)
      if (this.taken(batch, k, at, file.size)) {
        batch.used += file.size
        this.rows.push(at)
        return
      }
      this.fetched = this.fetch(this.rowid)
    }
    this.rows.push(this.fetched)
    this.fetched = undefined
    batch.kinds.fill(FieldKind.Other, k, k + FIELDS)
  }

  /** Post `i` of the current batch as `Post.selectColumns` selects it. */
  values(batch: RecordBatch, i: number): Array<unknown> {
    const row = this.rows[i]!
    if (typeof row !== "number") return row
    this.parse(batch.bytes, row, batch.used - row)
    return Array.from({ length: FIELDS }, (_, f) => value(batch.bytes, offsets[f]!, serials[f]!, f))
  }

  /**
   * Fills slots `k…` of `batch` from the record of `size` bytes at `at` (one
   * walk of its header; 1-byte serial types inline). False when the record
   * cannot be taken as is: a field missing from it whose default is not NULL,
   * or bytes SQLite would call corrupt (SQL then reads the row).
   */
  private taken(batch: RecordBatch, k: number, at: number, size: number): boolean {
    const bytes = batch.bytes
    const end = at + size
    const headerSize = varint(bytes, at)
    const headerEnd = at + headerSize
    if (headerSize < 1 || headerEnd > end) return false
    let h = at + lastVarintLength()
    let body = headerEnd
    const { fieldAt } = this
    let found = 0
    for (let column = 0; h < headerEnd; column++) {
      let serial = bytes[h]!
      if (serial < 0x80) h++
      else {
        serial = varint(bytes, h)
        h += lastVarintLength()
      }
      // Serial types 10 and 11 are reserved (a corrupt file): SQLite decides what such a record holds.
      if (serial === 10 || serial === 11) return false
      const length = serial >= 12 ? (serial - 12) >> 1 : valueSize(serial)
      const f = column < fieldAt.length ? fieldAt[column]! : -1
      if (f >= 0) {
        found++
        const slot = k + f
        if (serial >= 13 && (serial & 1) === 1) {
          batch.kinds[slot] = FieldKind.Text
          batch.starts[slot] = body
          batch.ends[slot] = body + length
        } else if (serial === 0) batch.kinds[slot] = FieldKind.Null
        else if (serial === 8 || serial === 9) {
          batch.kinds[slot] = FieldKind.Integer
          batch.numbers[slot] = serial - 8
        } else if (serial <= 6 && body + length <= end) {
          const value = integer(bytes, body, serial)
          if (Number.isSafeInteger(value)) {
            batch.kinds[slot] = FieldKind.Integer
            batch.numbers[slot] = value
          } else batch.kinds[slot] = FieldKind.Other
        } else batch.kinds[slot] = FieldKind.Other
      }
      body += length
    }
    if (body > end) return false
    // A record written before columns were added to the table ends early.
    if (found < FIELDS) {
      const columns = this.columnsIn(bytes, at)
      for (let f = 0; f < FIELDS; f++) {
        if (this.layout.positions[f]! < columns) continue
        if (this.layout.nullDefault[f] === 0) return false
        batch.kinds[k + f] = FieldKind.Null
      }
    }
    return true
  }

  /** How many columns the record at `at` holds. */
  private columnsIn(bytes: Buffer, at: number): number {
    const headerEnd = at + varint(bytes, at)
    let h = at + lastVarintLength()
    let n = 0
    for (; h < headerEnd; n++) {
      varint(bytes, h)
      h += lastVarintLength()
    }
    return n
  }

  private fetch(rowid: number | string): Array<unknown> {
    const row = this.row.get(typeof rowid === "string" ? BigInt(rowid) : rowid) as Array<unknown> | undefined
    if (row === undefined) throw new Error(`post ${String(rowid)} vanished from the snapshot`)
    return row
  }

  /**
   * Parses the record of `size` bytes at `at` into `serials` and `offsets`.
   * False when a field is missing from it (a column added later) and its
   * default is not NULL.
   */
  private parse(bytes: Buffer, at: number, size: number): boolean {
    const headerSize = varint(bytes, at)
    const end = at + size
    if (headerSize < 1 || at + headerSize > end) throw new CorruptFile("record header past its record")
    let h = at + lastVarintLength()
    let body = at + headerSize
    const seen = this.seen
    seen.fill(0)
    for (let column = 0; h < at + headerSize; column++) {
      const serial = varint(bytes, h)
      h += lastVarintLength()
      const f = column < this.fieldAt.length ? this.fieldAt[column]! : -1
      if (f >= 0) {
        serials[f] = serial
        offsets[f] = body
        seen[f] = 1
      }
      body += valueSize(serial)
    }
    if (body > end) throw new CorruptFile("record values past its record")
    for (let f = 0; f < FIELDS; f++) {
      if (seen[f] === 1) continue
      if (this.layout.nullDefault[f] === 0) return false
      serials[f] = 0
    }
    return true
  }

  private fetched: Array<unknown> | undefined
  private rowid: number | string = 0
  private added: number | string = 0
  private readonly seen = new Uint8Array(FIELDS)
  /** The field at each column position, or -1. */
  private readonly fieldAt: Int8Array
}

/** The integer of serial type 1–6 at `at`. */
const integer = (bytes: Buffer, at: number, serial: number): number =>
  serial === 6 ? Number(bytes.readBigInt64BE(at)) : bytes.readIntBE(at, valueSize(serial))

/** A field's value as better-sqlite3 returns it for `Post.selectColumns`. */
const value = (bytes: Buffer, at: number, serial: number, field: number): unknown => {
  if (serial === 0) return null
  if (serial === 8 || serial === 9) return serial - 8
  if (serial === 6) {
    const big = bytes.readBigInt64BE(at)
    const n = Number(big)
    return Number.isSafeInteger(n) || field < FIRST_COUNT || field > LAST_COUNT ? n : big.toString()
  }
  if (serial <= 5) return bytes.readIntBE(at, valueSize(serial))
  if (serial === 7) return bytes.readDoubleBE(at)
  const size = (serial - 12) >> 1
  if ((serial & 1) === 0) return Buffer.from(bytes.subarray(at, at + size))
  return bytes.toString("utf8", at, at + size)
}
