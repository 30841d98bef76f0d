/** The timeline of every DID's posts: when each post was made and its uri, from its index alone. */
import { catalogFor, type Force, FORCED_SPELLING } from "./Catalog.js"
import { postUri, tid } from "./Identifiers.js"
import { key, Rng, S_OTHER, S_TIE, S_TIME } from "./Random.js"
import type { Resolved } from "./ResolvedOptions.js"
import { drawSpelling, formatTime, SPAN_US, START_US } from "./Timestamps.js"

export interface MainTime {
  /** Instant of created_at in µs. */
  readonly us: number
  readonly createdAt: string
  /** TID clock id. */
  readonly clock: number
  /** Whether this post starts a tie group of at least 2 posts. */
  readonly startsTie: boolean
}

export class Timeline {
  readonly seed: number
  readonly did: string
  readonly n: number
  private readonly step: number
  private readonly block: number
  protected readonly catalog: Map<number, Force>
  readonly others: ReadonlyArray<string>
  protected readonly otherN: number
  private readonly otherStep: number

  constructor(o: Resolved) {
    this.seed = o.seed
    this.did = o.did
    this.n = o.posts
    this.step = SPAN_US / Math.max(1, o.posts)
    this.block = Math.max(16, Math.min(512, Math.floor(o.posts / 4)))
    this.catalog = catalogFor(o.posts)
    this.others = o.otherDids
    this.otherN = o.otherPosts
    this.otherStep = SPAN_US / Math.max(1, o.otherPosts)
  }

  // -- time of main post i ---------------------------------------------------

  /** The instant of slot i: strictly increasing in i. */
  private slotTime(i: number, step: number, k: number): number {
    const lo = Math.floor(i * step)
    const hi = Math.floor((i + 1) * step)
    return START_US + lo + Math.floor(new Rng(k).next() * (hi - lo))
  }

  private tieGroup(b: number): { start: number; size: number; perm: Array<number> } {
    const r = new Rng(key(this.seed, S_TIE, b))
    const size = r.range(2, 8)
    const start = b * this.block + r.int(this.block - size)
    const clipped = Math.max(0, Math.min(size, this.n - start))
    const perm = Array.from({ length: clipped }, (_, k) => k)
    for (let k = clipped - 1; k > 0; k--) {
      const j = r.int(k + 1)
      const t = perm[k]!
      perm[k] = perm[j]!
      perm[j] = t
    }
    return { start, size: clipped, perm }
  }

  // The tie group of the last block asked for (rows are generated in order, so this nearly always hits).
  private lastBlock = -1
  private lastGroup = { start: 0, size: 0, perm: [] as Array<number> }

  mainTime(i: number): MainTime {
    const b = Math.floor(i / this.block)
    if (b !== this.lastBlock) {
      this.lastGroup = this.tieGroup(b)
      this.lastBlock = b
    }
    const g = this.lastGroup
    const inTie = g.size >= 2 && i >= g.start && i < g.start + g.size
    const owner = inTie ? g.start : i
    const r = new Rng(key(this.seed, S_TIME, owner))
    const us = this.slotTime(owner, this.step, r.u32())
    const forced = this.catalog.get(owner)
    const spelling = (forced && FORCED_SPELLING[forced]) ?? drawSpelling(r)
    const createdAt = formatTime(us, spelling, r.u32())
    // Tie members get distinct clock ids in shuffled order, so uri order differs from insertion order.
    const clock = inTie ? 8 * (r.u32() % 120) + g.perm[i - g.start]! : r.int(1024)
    return { us, createdAt, clock, startsTie: inTie && i === g.start }
  }

  mainUri(i: number): string {
    const t = this.mainTime(i)
    return postUri(this.did, tid(t.us, t.clock))
  }

  // -- other DIDs --------------------------------------------------------------

  /**
   * Other DID post k: its rkey time comes from its own slot (strictly
   * increasing, so rkeys are unique); its created_at is a time of its own or,
   * for a quarter of the posts, exactly the created_at of some main-DID post.
   */
  protected otherTime(d: number, k: number): { rkeyUs: number; us: number; createdAt: string; clock: number } {
    const r = new Rng(key(this.seed, S_OTHER + d, k))
    const own = this.slotTime(k, this.otherStep, r.u32())
    const clock = r.int(1024)
    if (this.n > 0 && r.chance(0.25)) {
      const main = this.mainTime(r.int(this.n))
      return { rkeyUs: own, us: main.us, createdAt: main.createdAt, clock }
    }
    return { rkeyUs: own, us: own, createdAt: formatTime(own, drawSpelling(r), r.u32()), clock }
  }

  protected otherUri(d: number, k: number): string {
    const t = this.otherTime(d, k)
    return postUri(this.others[d]!, tid(t.rkeyUs, t.clock))
  }
}
