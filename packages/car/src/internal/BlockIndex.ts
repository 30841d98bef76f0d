/**
 * Where each section (length, CID, block) of a CAR file starts, found by 32
 * bits of the block's digest: about 12 bytes a block, so a 1 GB CAR's index
 * stays in tens of megabytes. The index only names candidates; the caller
 * reads each candidate's CID back from the file to confirm it, so colliding
 * digest bits cost a read, never a wrong block.
 *
 * Sections are added in file order into chunks of up to 2^20; a full chunk
 * is sorted once (keys are plain doubles: digest bits × 2^20 + position in
 * the chunk) and searched by bisection. Starts are kept as their low 32 bits:
 * they only grow, so the 4 GiB boundaries they cross are a short list.
 */

const LOCAL = 2 ** 20
const HIGH = 2 ** 32
const FIRST = 4096

/** The first four bytes of a digest as an unsigned number, or -1 when it is shorter. */
const tagOf = (digest: Uint8Array): number =>
  digest.length < 4 ? -1 : ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0

export class BlockIndex {
  private readonly sealed: Array<Float64Array> = []
  private readonly starts: Array<Uint32Array> = []
  private keys: Float64Array
  private lows: Uint32Array
  private count = 0
  /** Index of the first section at or past each 4 GiB boundary. */
  private readonly wraps: Array<number> = []
  private last = -1
  private end = -1

  /** `chunk`: sections per sorted chunk, a power of two up to 2^20 (smaller only in tests). */
  constructor(private readonly chunk = LOCAL) {
    if (chunk > LOCAL || chunk < 1 || (chunk & (chunk - 1)) !== 0) throw new RangeError(`bad chunk size ${chunk}`)
    this.keys = new Float64Array(Math.min(FIRST, chunk))
    this.lows = new Uint32Array(Math.min(FIRST, chunk))
  }

  /** Sections indexed. */
  get size(): number {
    return this.sealed.length * this.chunk + this.count
  }

  /** Notes the section starting at byte `start` (after every earlier one) whose block has this digest. */
  add(digest: Uint8Array, start: number): void {
    if (this.end >= 0) throw new Error("the index is finished")
    if (start <= this.last) throw new RangeError("sections are added in file order")
    this.last = start
    const tag = tagOf(digest)
    if (tag < 0) throw new RangeError("a block digest is at least 4 bytes")
    while (Math.floor(start / HIGH) > this.wraps.length) this.wraps.push(this.size)
    if (this.count === this.keys.length) this.grow()
    this.keys[this.count] = tag * LOCAL + this.count
    this.lows[this.count] = start % HIGH
    this.count++
    if (this.count === this.chunk) this.seal()
  }

  /** Ends the index: the last section ends at `end` (the end of the file). */
  finish(end: number): void {
    if (this.end >= 0) return
    if (end <= this.last) throw new RangeError("the file ends after its last section starts")
    this.keys = this.keys.subarray(0, this.count).sort()
    this.lows = this.lows.subarray(0, this.count)
    this.end = end
  }

  /**
   * Calls `check` with the byte range [start, end) of each section whose
   * digest shares the first 32 bits with `digest`, until one returns a value;
   * that value, or undefined.
   */
  find<T>(digest: Uint8Array, check: (start: number, end: number) => T | undefined): T | undefined {
    if (this.end < 0) throw new Error("the index is not finished")
    const tag = tagOf(digest)
    if (tag < 0) return undefined
    const from = tag * LOCAL
    const to = from + LOCAL
    for (let c = 0; c <= this.sealed.length; c++) {
      const keys = c < this.sealed.length ? this.sealed[c]! : this.keys
      let lo = 0
      let hi = keys.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (keys[mid]! < from) lo = mid + 1
        else hi = mid
      }
      for (; lo < keys.length && keys[lo]! < to; lo++) {
        const at = c * this.chunk + (keys[lo]! - from)
        const found = check(this.startOf(at), at + 1 < this.size ? this.startOf(at + 1) : this.end)
        if (found !== undefined) return found
      }
    }
    return undefined
  }

  private startOf(at: number): number {
    const c = Math.floor(at / this.chunk)
    const low = (c < this.starts.length ? this.starts[c]! : this.lows)[at - c * this.chunk]!
    let high = 0
    while (high < this.wraps.length && this.wraps[high]! <= at) high++
    return high * HIGH + low
  }

  private grow(): void {
    const size = Math.min(this.chunk, this.keys.length * 2)
    const keys = new Float64Array(size)
    keys.set(this.keys)
    this.keys = keys
    const lows = new Uint32Array(size)
    lows.set(this.lows)
    this.lows = lows
  }

  private seal(): void {
    this.sealed.push(this.keys.sort())
    this.starts.push(this.lows)
    this.keys = new Float64Array(this.chunk)
    this.lows = new Uint32Array(this.chunk)
    this.count = 0
  }
}
