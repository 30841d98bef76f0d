/**
 * One pass over a CAR file: the header, then every block, each hashed and
 * compared with its CID, its position noted in a `BlockIndex`. The file is
 * read in chunks, so memory holds the index and one chunk, not the file.
 */
import { chunkReader, readBlockHead, readHeader } from "@ipld/car/decoder"
import { decode } from "@ipld/dag-cbor"
import { hash } from "node:crypto"
import type { FileHandle } from "node:fs/promises"
import type { CID } from "multiformats/cid"
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

export const scan = async (handle: FileHandle, onBlocks?: (blocks: number, bytes: number) => void): Promise<Scanned> => {
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
  for (;;) {
    const start = reader.pos
    if ((await reader.upTo(8)).length === 0) break
    let cid: CID
    let length: number
    try {
      const head = await readBlockHead(reader)
      cid = head.cid as CID
      length = head.blockLength
    } catch (e) {
      // A block header is a length, then a CID: under 64 bytes. Cut short, it reads as a broken varint.
      if (/end of data|varint/i.test(describe(e)) && filePos >= size && size - start < 64) {
        throw truncated("a block header", start)
      }
      throw new ScanError(`unreadable block header at byte ${start}: ${describe(e)} (the file is damaged)`)
    }
    const offset = reader.pos
    if (length < 0) throw new ScanError(`unreadable block header at byte ${start}: negative length (the file is damaged)`)
    let data: Uint8Array
    try {
      data = await reader.exactly(length, true)
    } catch (e) {
      if (/end of data/i.test(describe(e))) throw truncated(`block ${cid}`, offset)
      throw e
    }
    if (cid.multihash.code !== SHA2_256) {
      throw new ScanError(
        `block ${cid} at byte ${start} uses hash function 0x${cid.multihash.code.toString(16)}; ` +
          "repository blocks are hashed with sha2-256"
      )
    }
    const digest = hash("sha256", data, "buffer")
    if (Buffer.compare(digest, cid.multihash.digest) !== 0) {
      throw new ScanError(
        `block ${cid} at byte ${start} does not match its CID: the file was altered or damaged`
      )
    }
    if (!index.has(cid)) countNode(data, estimate)
    index.add(cid, offset, length)
    if (onBlocks !== undefined && (index.size & 0xfff) === 0) onBlocks(index.size, reader.pos)
  }
  return { root: header.roots[0] as CID, index, bytes: size, estimate }
}
