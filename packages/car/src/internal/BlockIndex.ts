/**
 * Where each block of a CAR file lies: its CID's bytes (as a latin1 key) to
 * the offset and length of the block's data. Offsets and lengths sit in typed
 * arrays so that millions of blocks cost little more than their keys.
 */
import type { CID } from "multiformats/cid"

export const keyOf = (cid: CID): string =>
  Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString("latin1")

export class BlockIndex {
  private readonly slots = new Map<string, number>()
  private offsets = new Float64Array(4096)
  private lengths = new Uint32Array(4096)

  get size(): number {
    return this.slots.size
  }

  add(cid: CID, offset: number, length: number): void {
    const key = keyOf(cid)
    if (this.slots.has(key)) return
    const slot = this.slots.size
    if (slot === this.offsets.length) {
      const offsets = new Float64Array(slot * 2)
      offsets.set(this.offsets)
      this.offsets = offsets
      const lengths = new Uint32Array(slot * 2)
      lengths.set(this.lengths)
      this.lengths = lengths
    }
    this.offsets[slot] = offset
    this.lengths[slot] = length
    this.slots.set(key, slot)
  }

  has(cid: CID): boolean {
    return this.slots.has(keyOf(cid))
  }

  /** Offset and length of the block's data, or undefined when the file has no such block. */
  get(cid: CID): { readonly offset: number; readonly length: number } | undefined {
    const slot = this.slots.get(keyOf(cid))
    return slot === undefined ? undefined : { offset: this.offsets[slot]!, length: this.lengths[slot]! }
  }
}
