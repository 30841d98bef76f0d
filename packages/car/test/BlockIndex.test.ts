import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { BlockIndex } from "../src/internal/BlockIndex.js"

const digest = (n: number): Uint8Array => createHash("sha256").update(`block ${n}`).digest()

/** Every section whose digest bits match, as [start, end) pairs. */
const candidates = (index: BlockIndex, d: Uint8Array): Array<[number, number]> => {
  const out: Array<[number, number]> = []
  index.find(d, (start, end) => {
    out.push([start, end])
    return undefined
  })
  return out
}

describe("BlockIndex", () => {
  it("finds every section, across sorted chunks and the unfinished last one, with its byte range", () => {
    for (const chunk of [1, 8, 64, 2 ** 20]) {
      const index = new BlockIndex(chunk)
      const starts: Array<number> = []
      let at = 59
      for (let n = 0; n < 1_000; n++) {
        starts.push(at)
        index.add(digest(n), at)
        at += 40 + (n % 300)
      }
      index.finish(at)
      expect(index.size).toBe(1_000)
      for (let n = 0; n < 1_000; n++) {
        expect(candidates(index, digest(n)), `chunk ${chunk}, block ${n}`).toEqual([
          [starts[n], n + 1 < 1_000 ? starts[n + 1] : at]
        ])
      }
      expect(candidates(index, digest(5_000))).toEqual([])
    }
  })

  it("names every section whose first 32 digest bits match, and stops at the one the check confirms", () => {
    const index = new BlockIndex(4)
    const alike = (last: number) => Uint8Array.from([1, 2, 3, 4, ...Array.from({ length: 27 }, () => 9), last])
    for (let n = 0; n < 10; n++) index.add(alike(n), 100 * (n + 1))
    index.add(digest(1), 1_100)
    index.finish(1_200)
    expect(candidates(index, alike(99)).map(([start]) => start)).toEqual([
      100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000
    ])
    expect(index.find(alike(99), (start, end) => (start === 700 ? end : undefined))).toBe(800)
    expect(candidates(index, Uint8Array.from([1, 2, 3]))).toEqual([])
  })

  it("keeps offsets past 4 GiB", () => {
    const index = new BlockIndex(2)
    const starts = [10, 2 ** 32 - 7, 2 ** 32 + 3, 2 ** 33 + 1, 5 * 2 ** 32 + 11]
    starts.forEach((start, n) => index.add(digest(n), start))
    index.finish(6 * 2 ** 32)
    starts.forEach((start, n) =>
      expect(candidates(index, digest(n))).toEqual([[start, n + 1 < starts.length ? starts[n + 1] : 6 * 2 ** 32]])
    )
  })

  it("takes sections in file order only, and answers only once finished", () => {
    const index = new BlockIndex()
    index.add(digest(0), 100)
    expect(() => index.add(digest(1), 100)).toThrow(/file order/)
    expect(() => index.find(digest(0), () => true)).toThrow(/not finished/)
    index.finish(200)
    expect(() => index.add(digest(1), 300)).toThrow(/finished/)
  })
})
