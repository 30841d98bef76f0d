/**
 * copyPlain against the definition it speeds up: the run of PLAIN bytes,
 * found and copied one byte at a time. Bytes are drawn near every edge of
 * PLAIN (0x1f/0x20, `"`, `\`, 0x7f/0x80) at every alignment, from views that
 * start inside their buffer, and the arrays change between calls.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { copyPlain, PLAIN } from "../src/Utf8.js"

/** The run's end, by the definition. */
const runEnd = (bytes: Uint8Array, i: number, end: number): number => {
  let j = i
  while (j < end && PLAIN[bytes[j]!] === 1) j++
  return j
}

const EDGES = [0x00, 0x0a, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xc3, 0xe2, 0xff]

/** Mostly plain bytes, so runs are long enough to cross several words. */
const byte = fc.oneof(
  { arbitrary: fc.integer({ min: 0x23, max: 0x5b }), weight: 6 },
  { arbitrary: fc.constantFrom(...EDGES), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }
)

const input = fc
  .record({
    bytes: fc
      .uint8Array({ minLength: 0, maxLength: 80 })
      .chain((plain) =>
        fc.array(byte, { maxLength: 80 }).map((mixed) => Uint8Array.from([...plain].map((b, k) => mixed[k] ?? b)))
      ),
    lead: fc.nat(7),
    at: fc.nat(9),
    from: fc.nat(80),
    cut: fc.nat(80)
  })
  .map(({ bytes, lead, at, from, cut }) => {
    // A view `lead` bytes into a larger buffer, as a batch's bytes can be.
    const whole = new Uint8Array(lead + bytes.length)
    whole.set(bytes, lead)
    const view = whole.subarray(lead)
    const i = Math.min(from, view.length)
    return { view, at, i, end: Math.min(view.length, i + cut) }
  })

describe("copyPlain", () => {
  it("ends where the run of PLAIN bytes ends and copies exactly that run", () => {
    fc.assert(
      fc.property(input, ({ view, at, i, end }) => {
        const out = new Uint8Array(at + (end - i) + 8).fill(0xaa)
        const j = copyPlain(out, at, view, i, end)
        expect(j).toBe(runEnd(view, i, end))
        const expected = new Uint8Array(out.length).fill(0xaa)
        expected.set(view.subarray(i, j), at)
        expect(out).toEqual(expected)
      }),
      { numRuns: 3000 }
    )
  })

  it("stops at each byte that is not PLAIN, wherever it sits in a word", () => {
    const stops = [...Array(256).keys()].filter((b) => PLAIN[b] === 0)
    for (const b of stops) {
      for (let k = 0; k < 12; k++) {
        const bytes = new Uint8Array(12).fill(0x61)
        bytes[k] = b
        const out = new Uint8Array(12)
        expect(copyPlain(out, 0, bytes, 0, 12)).toBe(k)
        expect([...out.subarray(0, k)]).toEqual([...bytes.subarray(0, k)])
      }
    }
  })

  it("reads a new array's own bytes when arrays change between calls", () => {
    const out = new Uint8Array(16)
    const a = new TextEncoder().encode("aaaaaaaa")
    const b = new TextEncoder().encode('bbbb"bbb')
    expect(copyPlain(out, 0, a, 0, 8)).toBe(8)
    expect(copyPlain(out, 8, b, 0, 8)).toBe(4)
    expect(new TextDecoder().decode(out.subarray(0, 12))).toBe("aaaaaaaabbbb")
    const other = new Uint8Array(8)
    expect(copyPlain(other, 0, a, 2, 8)).toBe(8)
    expect(new TextDecoder().decode(other.subarray(0, 6))).toBe("aaaaaa")
  })
})
