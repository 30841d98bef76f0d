/**
 * A batch of posts as stored fields (`PostRecords` of the plugin contract),
 * filled by the core one post at a time and reused from batch to batch.
 */
import { FieldKind, type PostRecords, RECORD_FIELDS } from "@skyporter/plugin"
import type * as Post from "./Post.js"

export { FieldKind, type PostRecords, RECORD_FIELDS }

/** Fields per post. */
export const FIELDS = RECORD_FIELDS.length

export class RecordBatch implements PostRecords {
  length = 0
  kinds = new Uint8Array(FIELDS * 64)
  starts = new Int32Array(FIELDS * 64)
  ends = new Int32Array(FIELDS * 64)
  numbers = new Float64Array(FIELDS * 64)
  bytes: Buffer = Buffer.allocUnsafe(64 * 1024)
  /** Bytes of `bytes` in use. */
  used = 0

  /** Posts decoded so far: a post is decoded (and its warnings counted) once, however often asked for. */
  private decoded: Array<Post.Post | undefined> = []

  /** `decode(i)`: post `i` as `write` would receive it. */
  constructor(private readonly decode: (i: number) => Post.Post) {}

  readonly post = (i: number): Post.Post => {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`post ${i} of a batch of ${this.length}`)
    return (this.decoded[i] ??= this.decode(i))
  }

  /** Empties the batch, keeping its memory. */
  reset(): void {
    this.length = 0
    this.used = 0
    if (this.decoded.length > 0) this.decoded = []
  }

  /** Starts the next post; returns the slot of its first field. */
  add(): number {
    const k = this.length * FIELDS
    if (k + FIELDS > this.kinds.length) this.grow()
    this.length++
    return k
  }

  /** Room for `n` more bytes; returns where they go (`used` is not moved). */
  reserve(n: number): number {
    if (this.used + n > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + n))
      this.bytes.copy(bytes, 0, 0, this.used)
      this.bytes = bytes
    }
    return this.used
  }

  private grow(): void {
    const n = 2 * this.kinds.length
    const kinds = new Uint8Array(n)
    kinds.set(this.kinds)
    const starts = new Int32Array(n)
    starts.set(this.starts)
    const ends = new Int32Array(n)
    ends.set(this.ends)
    const numbers = new Float64Array(n)
    numbers.set(this.numbers)
    this.kinds = kinds
    this.starts = starts
    this.ends = ends
    this.numbers = numbers
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Stored text never holds one (it is bytes); a JS string can, and its bytes would not say so. */
const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s)

/**
 * Rows as `Post.selectColumns` selects them, as records: how tests (and a
 * sink's own checks) get records for any values. `decode(i)` gives post `i`.
 */
export const fromRows = (
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  decode: (row: ReadonlyArray<unknown>, i: number) => Post.Post
): RecordBatch => {
  const batch = new RecordBatch((i) => decode(rows[i]!, i))
  for (const row of rows) {
    const k = batch.add()
    for (let f = 0; f < FIELDS; f++) {
      const v = row[f]
      if (v === null || v === undefined) batch.kinds[k + f] = FieldKind.Null
      else if (typeof v === "number" && Number.isSafeInteger(v)) {
        batch.kinds[k + f] = FieldKind.Integer
        batch.numbers[k + f] = v
      } else if (typeof v === "string" && !hasLoneSurrogate(v) && !(f >= 7 && f <= 10)) {
        // Counts past a JS number's range arrive as text (Post.selectColumns): not stored text.
        const n = Buffer.byteLength(v)
        const at = batch.reserve(n)
        batch.bytes.write(v, at)
        batch.used += n
        batch.kinds[k + f] = FieldKind.Text
        batch.starts[k + f] = at
        batch.ends[k + f] = at + n
      } else batch.kinds[k + f] = FieldKind.Other
    }
  }
  return batch
}
