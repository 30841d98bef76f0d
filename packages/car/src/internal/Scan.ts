/**
 * One pass over a CAR file: the header (read by @ipld/car), then every
 * section (length, CID, block), each block hashed and compared with its
 * CID, where its section starts noted in a `BlockIndex`. The file is read
 * in chunks, so memory holds the index and one chunk, not the file; the
 * sections are parsed synchronously (a block is a few hundred bytes:
 * awaiting each one would cost more than hashing it).
 */
import { chunkReader, readHeader } from "@ipld/car/decoder"
import { hash } from "node:crypto"
import { readSync } from "node:fs"
import type { FileHandle } from "node:fs/promises"
import { CID } from "multiformats/cid"
import { BlockIndex } from "./BlockIndex.js"
import * as CarStart from "./CarStart.js"

const CHUNK = 1 << 20
const SHA2_256 = 0x12

export interface Scanned {
  readonly root: CID
  readonly index: BlockIndex
  readonly bytes: number
  /** Post records counted as the blocks went by (before the tree is walked): a total for progress. */
  readonly posts: number
}

/** Said when a file is not a CAR at all. */
const WHAT_A_CAR_IS =
  "a CAR file is a repository export as Bluesky writes it (Settings → Export my data, or " +
  "com.atproto.sync.getRepo), starting with its header's length and a DAG-CBOR map of its roots"

/** What is wrong with the file, in words a user can act on. */
export class ScanError extends Error {}

/**
 * A post record names its type as a CBOR text string of exactly
 * "app.bsky.feed.post" (a URI naming a post is longer): blocks holding it
 * are counted, without decoding them, to give progress a total.
 */
const POST_TYPE = Buffer.concat([Buffer.from([0x60 + 18]), Buffer.from("app.bsky.feed.post", "ascii")])

interface CidHead {
  /** Bytes of the CID at the start of the section. */
  readonly length: number
  readonly code: number
  /** Where the digest starts and its length. */
  readonly digestAt: number
  readonly digestLength: number
}

/** Reads an unsigned varint at `at`: [value, next position], or undefined past `end`. */
const varint = (bytes: Uint8Array, at: number, end: number): [number, number] | undefined => {
  let value = 0
  let scale = 1
  for (let i = at; i < end && i < at + 8; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, i + 1]
    scale *= 128
  }
  return undefined
}

/**
 * The CID at the start of a section, read in place (a CID object per block
 * would cost more than hashing it): version 0 (a bare sha2-256 multihash) or
 * version 1 (version, codec, multihash). A reason when it is not a CID.
 */
const cidHead = (section: Uint8Array): CidHead | string => {
  if (section.length >= 34 && section[0] === 0x12 && section[1] === 0x20) {
    return { length: 34, code: SHA2_256, digestAt: 2, digestLength: 32 }
  }
  const version = varint(section, 0, section.length)
  if (version === undefined) return "unreadable CID version"
  if (version[0] !== 1) return `CID version ${version[0]} is not a CID version (0 or 1)`
  const codec = varint(section, version[1], section.length)
  const code = codec && varint(section, codec[1], section.length)
  const size = code && varint(section, code[1], section.length)
  if (size === undefined) return "unreadable CID header"
  if (size[1] + size[0] > section.length) return "the CID runs past its section"
  return { length: size[1] + size[0], code: code![0], digestAt: size[1], digestLength: size[0] }
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export const scan = async (
  handle: FileHandle,
  onBlocks?: (blocks: number, bytes: number) => void
): Promise<Scanned> => {
  const stats = await handle.stat()
  // Opening a directory succeeds; reading it fails with a bare EISDIR.
  if (stats.isDirectory()) throw new ScanError("is a directory, not a CAR file")
  const { size } = stats
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

  if (size === 0) throw new ScanError(`the file is empty: ${WHAT_A_CAR_IS}`)
  const first = Buffer.alloc(Math.min(size, CarStart.PROBE_BYTES))
  await handle.read(first, 0, first.length, 0)
  const opening = CarStart.classify(first, size)
  if (opening === "not_car") {
    throw new ScanError(`not a CAR file (it starts with the bytes ${CarStart.hex(first)}): ${WHAT_A_CAR_IS}`)
  }
  if (opening === "truncated") throw truncated("the CAR header", size)

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
  let posts = 0
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
    const head = cidHead(section)
    if (typeof head === "string") throw new ScanError(`unreadable CID at byte ${pos}: ${head} (the file is damaged)`)
    const data = section.subarray(head.length)
    const digest = section.subarray(head.digestAt, head.digestAt + head.digestLength)
    /** The CID as text, for messages (made only when one is needed). */
    const named = () => {
      try {
        return CID.decode(section.subarray(0, head.length)).toString()
      } catch {
        return "(unreadable CID)"
      }
    }
    pos += length
    if (head.code !== SHA2_256) {
      throw new ScanError(
        `block ${named()} at byte ${start} uses hash function 0x${head.code.toString(16)}; ` +
          "repository blocks are hashed with sha2-256"
      )
    }
    if (Buffer.compare(hash("sha256", data, "buffer"), digest) !== 0) {
      throw new ScanError(`block ${named()} at byte ${start} does not match its CID: the file was altered or damaged`)
    }
    // A block stored twice is counted twice: the estimate only sizes the progress bar.
    if (data.indexOf(POST_TYPE) >= 0) posts++
    index.add(digest, start)
    if ((index.size & 0xfff) === 0) {
      onBlocks?.(index.size, pos)
      // Lets a signal in between chunks of work.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  index.finish(pos)
  return { root: header.roots[0] as CID, index, bytes: size, posts }
}
