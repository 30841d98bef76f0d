/**
 * One pass over a CAR file: the header (read by @ipld/car), then every
 * section (length, CID, block), each block hashed and compared with its
 * CID, where its section starts noted in a `BlockIndex`. The file is read
 * in chunks, so memory holds the index and one chunk, not the file; the sections are
 * parsed synchronously (a block is a few hundred bytes: awaiting each one
 * would cost more than hashing it).
 */
import { chunkReader, readHeader } from "@ipld/car/decoder"
import { decode } from "@ipld/dag-cbor"
import { hash } from "node:crypto"
import { readSync } from "node:fs"
import type { FileHandle } from "node:fs/promises"
import { CID } from "multiformats/cid"
import { BlockIndex } from "./BlockIndex.js"

const CHUNK = 1 << 20
const SHA2_256 = 0x12

export interface Scanned {
  readonly root: CID
  readonly index: BlockIndex
  readonly bytes: number
  /**
   * Records per collection, counted from the blocks that look like tree
   * nodes: known before the tree is walked, so progress has a total. The
   * walk's own count is the one to report.
   */
  readonly estimate: ReadonlyMap<string, number>
}

/** What is wrong with the file, in words a user can act on. */
export class ScanError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const latin1 = new TextDecoder("latin1")

/**
 * Counts the keys of a block that starts like a tree node (a two-entry map
 * whose first key is "e"; DAG-CBOR orders keys, so "e" precedes "l").
 * Keys are prefix-compressed within a node only, so one node is enough.
 */
const countNode = (data: Uint8Array, into: Map<string, number>): void => {
  if (data[0] !== 0xa2 || data[1] !== 0x61 || data[2] !== 0x65) return
  let value: unknown
  try {
    value = decode(data)
  } catch {
    return
  }
  if (!isObject(value) || !Array.isArray(value.e)) return
  let prev = ""
  for (const entry of value.e as Array<unknown>) {
    if (!isObject(entry) || typeof entry.p !== "number" || !(entry.k instanceof Uint8Array)) return
    const key = prev.slice(0, entry.p) + latin1.decode(entry.k)
    prev = key
    const slash = key.indexOf("/")
    const collection = slash < 0 ? key : key.slice(0, slash)
    into.set(collection, (into.get(collection) ?? 0) + 1)
  }
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export const scan = async (
  handle: FileHandle,
  onBlocks?: (blocks: number, bytes: number) => void
): Promise<Scanned> => {
  const { size } = await handle.stat()
  let filePos = 0
  const reader = chunkReader(async () => {
    const buffer = Buffer.allocUnsafe(CHUNK)
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, filePos)
    if (bytesRead === 0) return null
    filePos += bytesRead
    return buffer.subarray(0, bytesRead)
  })
  const truncated = (what: string, at: number) =>
    new ScanError(`the file ends inside ${what} at byte ${at} of ${size}: it is truncated (download it again)`)

  let header
  try {
    header = await readHeader(reader)
  } catch (e) {
    if (/end of data/i.test(describe(e)) && filePos >= size) throw truncated("the CAR header", reader.pos)
    throw new ScanError(`not a CAR file: ${describe(e)}`)
  }
  if (header.version !== 1) {
    throw new ScanError(`CAR version ${header.version} is not read: a Bluesky repository export is CAR version 1`)
  }
  if (header.roots.length !== 1) {
    throw new ScanError(
      `the CAR names ${header.roots.length} roots; a repository export names exactly one, its signed commit`
    )
  }
  const index = new BlockIndex()
  const estimate = new Map<string, number>()
  // The sections are read synchronously from here: `window` holds the file's bytes from `windowStart`.
  const fd = handle.fd
  let pos = reader.pos
  let window = Buffer.alloc(0)
  let windowStart = pos
  /** Makes bytes [pos, pos + n) available (fewer at the end of the file); false when they are not all there. */
  const ensure = (n: number): boolean => {
    if (pos + n <= windowStart + window.length) return true
    const keep = window.subarray(pos - windowStart)
    const next = Buffer.allocUnsafe(keep.length + Math.max(n, Math.min(CHUNK, size - pos - keep.length)))
    keep.copy(next)
    let filled = keep.length
    while (filled < next.length) {
      const got = readSync(fd, next, filled, next.length - filled, pos + filled)
      if (got === 0) break
      filled += got
    }
    window = next.subarray(0, filled)
    windowStart = pos
    return n <= filled
  }
  while (ensure(1)) {
    const start = pos
    // The section's length: an unsigned varint.
    ensure(10)
    let length = 0
    let scale = 1
    let at = pos - windowStart
    for (;;) {
      if (at >= window.length) throw truncated("a block header", start)
      const byte = window[at++]!
      length += (byte & 0x7f) * scale
      if (byte < 0x80) break
      scale *= 128
      if (scale > 2 ** 49) {
        throw new ScanError(`unreadable block header at byte ${start}: bad length (the file is damaged)`)
      }
    }
    pos = windowStart + at
    if (length === 0) throw new ScanError(`empty block section at byte ${start} (the file is damaged)`)
    if (pos + length > size) throw truncated("a block", start)
    if (!ensure(length)) throw truncated("a block", start)
    const section = window.subarray(pos - windowStart, pos - windowStart + length)
    let cid: CID
    let data: Uint8Array
    try {
      ;[cid, data] = CID.decodeFirst(section)
    } catch (e) {
      throw new ScanError(`unreadable CID at byte ${pos}: ${describe(e)} (the file is damaged)`)
    }
    pos += length
    if (cid.multihash.code !== SHA2_256) {
      throw new ScanError(
        `block ${cid} at byte ${start} uses hash function 0x${cid.multihash.code.toString(16)}; ` +
          "repository blocks are hashed with sha2-256"
      )
    }
    const digest = hash("sha256", data, "buffer")
    if (Buffer.compare(digest, cid.multihash.digest) !== 0) {
      throw new ScanError(`block ${cid} at byte ${start} does not match its CID: the file was altered or damaged`)
    }
    // A block stored twice is counted twice here: the estimate only sizes the progress bar.
    countNode(data, estimate)
    index.add(cid.multihash.digest, start)
    if ((index.size & 0xfff) === 0) {
      onBlocks?.(index.size, pos)
      // Lets a signal in between chunks of work.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  index.finish(pos)
  return { root: header.roots[0] as CID, index, bytes: size, estimate }
}
