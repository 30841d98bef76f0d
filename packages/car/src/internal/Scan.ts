/**
 * One pass over a CAR file: the header, then every block, each hashed and
 * compared with its CID, its position noted in a `BlockIndex`. The file is
 * read in chunks, so memory holds the index and one chunk, not the file.
 */
import { chunkReader, readBlockHead, readHeader } from "@ipld/car/decoder"
import { createHash } from "node:crypto"
import type { FileHandle } from "node:fs/promises"
import type { CID } from "multiformats/cid"
import { BlockIndex } from "./BlockIndex.js"

const CHUNK = 1 << 20
const SHA2_256 = 0x12

export interface Scanned {
  readonly root: CID
  readonly index: BlockIndex
  readonly bytes: number
}

/** What is wrong with the file, in words a user can act on. */
export class ScanError extends Error {}

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
    const digest = createHash("sha256").update(data).digest()
    if (Buffer.compare(digest, cid.multihash.digest) !== 0) {
      throw new ScanError(
        `block ${cid} at byte ${start} does not match its CID: the file was altered or damaged`
      )
    }
    index.add(cid, offset, length)
    if (onBlocks !== undefined && (index.size & 0xfff) === 0) onBlocks(index.size, reader.pos)
  }
  return { root: header.roots[0] as CID, index, bytes: size }
}
