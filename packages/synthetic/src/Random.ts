/** The generator's randomness: a counter run through the murmur3 32-bit finalizer, keyed by (seed, stream, index). */

export const fmix = (x: number): number => {
  let h = x | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A 32-bit key for (seed, stream, index); index may be any safe non-negative integer. */
export const key = (seed: number, stream: number, index: number): number => {
  let h = fmix(seed ^ 0x5bd1e995)
  h = fmix(h ^ Math.imul(stream + 1, 0x27d4eb2f))
  h = fmix(h ^ (index >>> 0))
  return fmix(h ^ Math.floor(index / 4294967296))
}

export class Rng {
  private s: number
  constructor(k: number) {
    this.s = k | 0
  }
  u32(): number {
    this.s = (this.s + 0x9e3779b9) | 0
    return fmix(this.s)
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<A>(xs: ReadonlyArray<A>): A {
    return xs[this.int(xs.length)]!
  }
}

// Streams keep independent decisions apart.
export const S_ROW = 1
export const S_TIME = 2
export const S_TIE = 3
export const S_SESSION = 4
export const S_NAMES = 5
export const S_OTHER = 100
