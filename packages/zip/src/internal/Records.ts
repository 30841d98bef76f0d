/**
 * The byte layout of a ZIP archive's headers (PKWARE's APPNOTE): local file
 * headers, central directory headers and the end records, ZIP64 where a size,
 * an offset or the entry count needs it. Pure functions of an entry's record.
 */
// The namespace, not a named import: Node lines before 20.15 have no `crc32` to link to.
import * as zlib from "node:zlib"

const LOCAL = 0x04034b50
const CENTRAL = 0x02014b50
const END = 0x06054b50
const END64 = 0x06064b50
const LOCATOR64 = 0x07064b50

const FLAG_UTF8 = 0x0800
const EXTRA_ZIP64 = 0x0001
const EXTRA_TIMESTAMP = 0x5455
const VERSION = 20
const VERSION_ZIP64 = 45
const CREATOR_UNIX = 3
const S_IFDIR = 0o040000
const S_IFREG = 0o100000
const DOS_DIRECTORY = 0x10

export const MAX16 = 0xffff
export const MAX32 = 0xffffffff

const MIN_MTIME = Date.UTC(1980, 0, 1)

/** One entry as the headers describe it; `crc` and the sizes are final once its data is written. */
export interface EntryRecord {
  readonly name: Buffer
  readonly flags: number
  /** 0 stored, 8 deflated. */
  readonly method: number
  readonly time: number
  readonly date: number
  /** Unix seconds for the extended-timestamp field, when they fit in it. */
  readonly seconds: number | undefined
  readonly external: number
  readonly offset: number
  /** Whether the local header holds its sizes in a ZIP64 field (decided before the data is written). */
  readonly zip64: boolean
  crc: number
  size: number
  compressedSize: number
}

/** DOS date and time (UTC, two-second steps); before 1980 is 1980-01-01, after 2107 its last second. */
const toDos = (mtime: Date): { readonly time: number; readonly date: number } => {
  const millis = mtime.getTime()
  if (millis < MIN_MTIME) return { time: 0, date: (1 << 5) | 1 }
  const d = new Date(millis)
  const year = d.getUTCFullYear()
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 }
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate()
  }
}

export interface RecordOptions {
  readonly name: string
  readonly directory: boolean
  readonly deflate: boolean
  readonly mtime: Date
  readonly mode: number
  readonly offset: number
  /** The content's size when known before writing it; ZIP64 sizes are declared when it could pass 4 GiB. */
  readonly zip64: boolean
}

export const record = (o: RecordOptions): EntryRecord => {
  const name = Buffer.from(o.name, "utf8")
  const { date, time } = toDos(o.mtime)
  const seconds = Math.floor(o.mtime.getTime() / 1000)
  return {
    name,
    // The UTF-8 byte length equals the string length only for ASCII.
    flags: name.length === o.name.length ? 0 : FLAG_UTF8,
    method: o.deflate ? 8 : 0,
    time,
    date,
    seconds: seconds >= 0 && seconds <= 0x7fffffff ? seconds : undefined,
    external: (((o.directory ? S_IFDIR : S_IFREG) | o.mode) * 0x10000 + (o.directory ? DOS_DIRECTORY : 0)) >>> 0,
    offset: o.offset,
    zip64: o.zip64,
    crc: 0,
    size: 0,
    compressedSize: 0
  }
}

const setUint64 = (view: DataView, at: number, value: number): void => view.setBigUint64(at, BigInt(value), true)

const timestampLength = (r: EntryRecord): number => (r.seconds === undefined ? 0 : 9)

const writeTimestamp = (view: DataView, at: number, r: EntryRecord): void => {
  if (r.seconds === undefined) return
  view.setUint16(at, EXTRA_TIMESTAMP, true)
  view.setUint16(at + 2, 5, true)
  view.setUint8(at + 4, 1)
  view.setUint32(at + 5, r.seconds, true)
}

/** The local file header: its length never changes, so it is written again in place once the CRC is known. */
export const localHeader = (r: EntryRecord): Buffer => {
  const extraLength = (r.zip64 ? 20 : 0) + timestampLength(r)
  const bytes = Buffer.alloc(30 + r.name.length + extraLength)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  view.setUint32(0, LOCAL, true)
  view.setUint16(4, r.zip64 ? VERSION_ZIP64 : VERSION, true)
  view.setUint16(6, r.flags, true)
  view.setUint16(8, r.method, true)
  view.setUint16(10, r.time, true)
  view.setUint16(12, r.date, true)
  view.setUint32(14, r.crc, true)
  view.setUint32(18, r.zip64 ? MAX32 : r.compressedSize, true)
  view.setUint32(22, r.zip64 ? MAX32 : r.size, true)
  view.setUint16(26, r.name.length, true)
  view.setUint16(28, extraLength, true)
  r.name.copy(bytes, 30)
  let at = 30 + r.name.length
  if (r.zip64) {
    view.setUint16(at, EXTRA_ZIP64, true)
    view.setUint16(at + 2, 16, true)
    setUint64(view, at + 4, r.size)
    setUint64(view, at + 12, r.compressedSize)
    at += 20
  }
  writeTimestamp(view, at, r)
  return bytes
}

/** The central directory header: ZIP64 holds only the fields that overflow, in the order APPNOTE gives. */
export const centralHeader = (r: EntryRecord): Buffer => {
  const wide: Array<number> = []
  if (r.size >= MAX32) wide.push(r.size)
  if (r.compressedSize >= MAX32) wide.push(r.compressedSize)
  if (r.offset >= MAX32) wide.push(r.offset)
  const zip64Length = wide.length === 0 ? 0 : 4 + 8 * wide.length
  const extraLength = zip64Length + timestampLength(r)
  const version = wide.length === 0 && !r.zip64 ? VERSION : VERSION_ZIP64
  const bytes = Buffer.alloc(46 + r.name.length + extraLength)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  view.setUint32(0, CENTRAL, true)
  view.setUint16(4, (CREATOR_UNIX << 8) | version, true)
  view.setUint16(6, version, true)
  view.setUint16(8, r.flags, true)
  view.setUint16(10, r.method, true)
  view.setUint16(12, r.time, true)
  view.setUint16(14, r.date, true)
  view.setUint32(16, r.crc, true)
  view.setUint32(20, Math.min(r.compressedSize, MAX32), true)
  view.setUint32(24, Math.min(r.size, MAX32), true)
  view.setUint16(28, r.name.length, true)
  view.setUint16(30, extraLength, true)
  view.setUint32(38, r.external, true)
  view.setUint32(42, Math.min(r.offset, MAX32), true)
  r.name.copy(bytes, 46)
  let at = 46 + r.name.length
  if (wide.length > 0) {
    view.setUint16(at, EXTRA_ZIP64, true)
    view.setUint16(at + 2, 8 * wide.length, true)
    wide.forEach((value, i) => setUint64(view, at + 4 + 8 * i, value))
    at += zip64Length
  }
  writeTimestamp(view, at, r)
  return bytes
}

/**
 * The end records after a central directory of `count` entries, `size` bytes
 * long, starting at `start`: the ZIP64 end record and its locator first when
 * a field overflows the classic one.
 */
export const endRecords = (count: number, start: number, size: number): Array<Buffer> => {
  const out: Array<Buffer> = []
  if (count >= MAX16 || size >= MAX32 || start >= MAX32) {
    const end64 = Buffer.alloc(56)
    const view = new DataView(end64.buffer, end64.byteOffset, end64.length)
    view.setUint32(0, END64, true)
    setUint64(view, 4, 44)
    view.setUint16(12, (CREATOR_UNIX << 8) | VERSION_ZIP64, true)
    view.setUint16(14, VERSION_ZIP64, true)
    setUint64(view, 24, count)
    setUint64(view, 32, count)
    setUint64(view, 40, size)
    setUint64(view, 48, start)
    const locator = Buffer.alloc(20)
    const locatorView = new DataView(locator.buffer, locator.byteOffset, locator.length)
    locatorView.setUint32(0, LOCATOR64, true)
    setUint64(locatorView, 8, start + size)
    locatorView.setUint32(16, 1, true)
    out.push(end64, locator)
  }
  const end = Buffer.alloc(22)
  const view = new DataView(end.buffer, end.byteOffset, end.length)
  view.setUint32(0, END, true)
  view.setUint16(8, Math.min(count, MAX16), true)
  view.setUint16(10, Math.min(count, MAX16), true)
  view.setUint32(12, Math.min(size, MAX32), true)
  view.setUint32(16, Math.min(start, MAX32), true)
  out.push(end)
  return out
}

/** The CRC-32 table, for Node lines without `zlib.crc32` (before 20.15 and 22.2). */
let table: Int32Array | undefined

export const tableCrc32 = (data: Uint8Array, crc: number): number => {
  if (table === undefined) {
    table = new Int32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c
    }
  }
  let c = ~crc
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

/** CRC-32 (IEEE) of `data` continuing from `crc`: zlib's native one where the runtime has it (several times faster). */
export const crc32: (data: Uint8Array, crc: number) => number =
  typeof zlib.crc32 === "function" ? (data, crc) => zlib.crc32(data, crc) : tableCrc32
