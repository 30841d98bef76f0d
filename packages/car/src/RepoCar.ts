/**
 * A Bluesky repository CAR file, opened for reading: every block verified
 * against its CID on the way in, the root checked to be a signed repository
 * commit, and its records listed by walking the commit's tree (`leaves`).
 *
 * The file stays on disk: a compact index of where blocks lie is kept (about
 * 12 bytes a block), and blocks are read back when the walk needs them.
 * The commit's signature is checked for its shape (64 bytes) only: verifying
 * it needs the account's public key from its DID document, which a file
 * alone does not carry.
 */
import { decode } from "@ipld/dag-cbor"
import * as Effect from "effect/Effect"
import { CID } from "multiformats/cid"
import * as fs from "node:fs/promises"
import { CarInvalid } from "./Errors.js"
import type { BlockIndex } from "./internal/BlockIndex.js"
import { BlockReader } from "./internal/BlockReader.js"
import * as Mst from "./internal/Mst.js"
import { scan, ScanError } from "./internal/Scan.js"

export interface Commit {
  readonly cid: string
  /** The repository's account, as the signed commit names it. */
  readonly did: string
  readonly version: number
  /** The commit's revision (a TID), or "" for a version 2 commit without one. */
  readonly rev: string
}

/** A record in the repository: `collection/rkey` and its CID. */
export interface Entry {
  readonly collection: string
  readonly rkey: string
  readonly cid: CID
}

export interface RepoCar {
  readonly path: string
  readonly bytes: number
  readonly blocks: number
  readonly commit: Commit
  /** Post records as counted while the file was read (before the walk): a total for progress. */
  readonly estimatedPosts: number
  /** Every record in key order (so collection by collection). Throws `CarInvalid` on a broken tree. */
  readonly entries: () => Iterable<Entry>
  /** A record's decoded value. Throws `CarInvalid` when the block is not DAG-CBOR. */
  readonly record: (entry: Entry) => unknown
  readonly close: () => Promise<void>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Reads a block by CID: the index names the sections whose digest begins
 * alike, and the one whose stored CID is this CID's bytes is the block (its
 * data was checked against that CID by the scan). The last block found is
 * kept, as the walk asks whether a record is there just before it is read.
 */
const readBlock = (fd: number, index: BlockIndex) => {
  const reader = new BlockReader(fd)
  let lastCid: CID | undefined
  let lastBytes: Uint8Array | undefined
  return (cid: CID): Uint8Array | undefined => {
    if (cid === lastCid) return lastBytes
    const want = cid.bytes
    const bytes = index.find(cid.multihash.digest, (start, end) => {
      const section = reader.read(start, end - start)
      // The section's length (a varint), then the CID, then the block.
      let at = 0
      while (at < section.length && section[at]! >= 0x80) at++
      at++
      if (section.length - at < want.length) return undefined
      for (let i = 0; i < want.length; i++) if (section[at + i] !== want[i]) return undefined
      return section.subarray(at + want.length)
    })
    lastCid = cid
    lastBytes = bytes
    return bytes
  }
}

const checkCommit = (root: CID, bytes: Uint8Array | undefined): { commit: Commit; data: CID } => {
  if (bytes === undefined) throw new ScanError(`the CAR lacks its root block ${root}, the repository commit`)
  let value: unknown
  try {
    value = decode(bytes)
  } catch (e) {
    throw new ScanError(`the root block ${root} is not DAG-CBOR (${message(e)}): this is not a repository export`)
  }
  const data = isObject(value) ? CID.asCID(value.data) : null
  if (
    !isObject(value) ||
    typeof value.did !== "string" ||
    !value.did.startsWith("did:") ||
    data === null ||
    !(value.sig instanceof Uint8Array) ||
    (value.version !== 2 && value.version !== 3)
  ) {
    throw new ScanError(
      `the root block ${root} is not a signed repository commit (did, version 2 or 3, data, sig): ` +
        "this CAR is not a Bluesky repository export"
    )
  }
  // Checked for shape only (see above): the 64 bytes of a compact ECDSA signature, as atproto signs with.
  if (value.sig.length !== 64) {
    throw new ScanError(
      `the commit ${root} has a ${value.sig.length}-byte signature; a repository commit carries a 64-byte ` +
        "ECDSA signature: this is not a valid repository export"
    )
  }
  if (value.version === 3 && typeof value.rev !== "string") {
    throw new ScanError(`the commit ${root} has no rev: not a valid version 3 repository commit`)
  }
  return {
    commit: {
      cid: root.toString(),
      did: value.did,
      version: value.version,
      rev: typeof value.rev === "string" ? value.rev : ""
    },
    data
  }
}

/** Opens and verifies a repository CAR (one full read of the file). Close it with `close`. */
export const open: (path: string) => Effect.Effect<RepoCar, CarInvalid> = Effect.fn("RepoCar.open")(function* (
  path: string
) {
  const invalid = (text: string) => new CarInvalid({ path, message: `${path}: ${text}` })
  const handle = yield* Effect.tryPromise({
    try: () => fs.open(path, "r"),
    catch: (e) =>
      invalid(
        (e as NodeJS.ErrnoException).code === "ENOENT"
          ? "no such file"
          : (e as NodeJS.ErrnoException).code === "EISDIR"
            ? "is a directory, not a CAR file"
            : message(e)
      )
  })
  return yield* Effect.tryPromise({
    try: async () => {
      const scanned = await scan(handle)
      const read = readBlock(handle.fd, scanned.index)
      const { commit, data } = checkCommit(scanned.root, read(scanned.root))
      const car: RepoCar = {
        path,
        bytes: scanned.bytes,
        blocks: scanned.index.size,
        commit,
        estimatedPosts: scanned.posts,
        entries: function* () {
          try {
            for (const leaf of Mst.walk(data, read, (cid) => read(cid) !== undefined)) {
              const slash = leaf.key.indexOf("/")
              yield { collection: leaf.key.slice(0, slash), rkey: leaf.key.slice(slash + 1), cid: leaf.cid }
            }
          } catch (e) {
            throw e instanceof Mst.MstError ? invalid(e.message) : e
          }
        },
        record: (entry) => {
          const bytes = read(entry.cid)
          if (bytes === undefined) throw invalid(`the CAR lacks the record ${entry.collection}/${entry.rkey}`)
          try {
            return decode(bytes)
          } catch (e) {
            throw invalid(`the record ${entry.collection}/${entry.rkey} (${entry.cid}) is not DAG-CBOR: ${message(e)}`)
          }
        },
        close: () => handle.close()
      }
      return car
    },
    catch: (e) => (e instanceof ScanError ? invalid(e.message) : invalid(`unreadable: ${message(e)}`))
  }).pipe(Effect.tapError(() => Effect.promise(() => handle.close())))
})
