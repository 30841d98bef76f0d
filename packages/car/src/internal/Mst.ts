/**
 * A walk of a repository's Merkle Search Tree from its root, in key order,
 * checking on the way what makes it a tree of this repository: every node
 * and record block present, keys strictly increasing and shaped
 * `collection/rkey`, and every key at the layer its hash puts it (leading
 * zero bits of sha-256, two per layer).
 */
import { decode } from "@ipld/dag-cbor"
import { hash } from "node:crypto"
import { CID } from "multiformats/cid"

export interface Leaf {
  readonly key: string
  readonly cid: CID
}

export class MstError extends Error {}

/** Reads a block's bytes; undefined when the CAR lacks it. */
export type ReadBlock = (cid: CID) => Uint8Array | undefined
export type HasBlock = (cid: CID) => boolean

const layerOf = (key: Uint8Array): number => {
  const digest = hash("sha256", key, "buffer")
  let zeros = 0
  for (const byte of digest) {
    if (byte === 0) {
      zeros += 8
      continue
    }
    zeros += Math.clz32(byte) - 24
    break
  }
  return zeros >> 1
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const KEY = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._:~-]{1,512}$/

const decoder = new TextDecoder("utf-8", { fatal: true })

export function* walk(root: CID, read: ReadBlock, has: HasBlock): Generator<Leaf> {
  let last: Uint8Array | undefined
  let lastText = ""

  function* node(cid: CID, above: number | undefined, path: string): Generator<Leaf> {
    const bytes = read(cid)
    if (bytes === undefined) {
      throw new MstError(`the CAR lacks tree node ${cid} (${path}): the repository is incomplete`)
    }
    let value: unknown
    try {
      value = decode(bytes)
    } catch (e) {
      throw new MstError(`tree node ${cid} is not valid DAG-CBOR: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (!isObject(value) || !Array.isArray(value.e) || (value.l !== null && CID.asCID(value.l) === null)) {
      throw new MstError(`block ${cid} (${path}) is not a repository tree node`)
    }
    let layer: number | undefined
    let prev: Uint8Array = new Uint8Array(0)
    const left = value.l === null ? null : CID.asCID(value.l)!
    const entries = value.e as Array<unknown>
    const checked: Array<{ key: Uint8Array; text: string; leaf: CID; right: CID | null }> = []
    for (const entry of entries) {
      if (
        !isObject(entry) ||
        typeof entry.p !== "number" ||
        !(entry.k instanceof Uint8Array) ||
        CID.asCID(entry.v) === null ||
        (entry.t !== null && CID.asCID(entry.t) === null) ||
        entry.p < 0 ||
        entry.p > prev.length
      ) {
        throw new MstError(`tree node ${cid} (${path}) holds a malformed entry`)
      }
      const key = new Uint8Array(entry.p + entry.k.length)
      key.set(prev.subarray(0, entry.p))
      key.set(entry.k, entry.p)
      prev = key
      let text: string
      try {
        text = decoder.decode(key)
      } catch {
        throw new MstError(`tree node ${cid} holds a key that is not UTF-8`)
      }
      if (!KEY.test(text)) {
        throw new MstError(`tree node ${cid} holds the key ${JSON.stringify(text)}, not collection/rkey`)
      }
      const l = layerOf(key)
      if (layer === undefined) layer = l
      else if (l !== layer) {
        throw new MstError(`tree node ${cid} mixes keys of layers ${layer} and ${l}: not a valid tree`)
      }
      checked.push({ key, text, leaf: CID.asCID(entry.v)!, right: entry.t === null ? null : CID.asCID(entry.t)! })
    }
    if (layer !== undefined && above !== undefined && layer >= above) {
      throw new MstError(`tree node ${cid} (${path}) sits below a node of layer ${above} but holds layer ${layer} keys`)
    }
    // A subtree's keys lie below the layer of the node that points to it.
    const childAbove = layer ?? above
    if (left !== null) yield* node(left, childAbove, `left of ${checked[0]?.text ?? path}`)
    for (const e of checked) {
      if (last !== undefined && Buffer.compare(e.key, last) <= 0) {
        throw new MstError(`key ${JSON.stringify(e.text)} follows ${JSON.stringify(lastText)}: keys are out of order`)
      }
      last = e.key
      lastText = e.text
      if (!has(e.leaf)) {
        throw new MstError(`the CAR lacks the record ${e.text} (${e.leaf}): the repository is incomplete`)
      }
      yield { key: e.text, cid: e.leaf }
      if (e.right !== null) yield* node(e.right, childAbove, `after ${e.text}`)
    }
  }

  yield* node(root, undefined, "root")
}
