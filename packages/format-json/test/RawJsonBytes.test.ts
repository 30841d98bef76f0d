/**
 * Stored JSON laid out from its bytes against the string writer it stands
 * in for: for any bytes, `writeIndentedBytes` writes what `writeIndented`
 * writes for their decoded text when they are well-formed UTF-8, and
 * refuses them otherwise; it never reads past the value's end.
 */
import { ByteWriter } from "@skyporter/core/ByteWriter"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { writeIndentedBytes } from "../src/RawJsonBytes.js"
import { writeIndented } from "../src/RawJsonWriter.js"
import { damaged, wellFormed } from "./jsonTexts.js"

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const decoded = (bytes: Uint8Array): string | undefined => {
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

/** Bytes around the value in one buffer: a reader that strays past the value's end sees them. */
const BEFORE = Buffer.from('"[1,')
const AFTER = ']}" 2'

/** Checks one value: laid out from within a larger buffer, then compared with the string writer. */
const expectAgrees = (bytes: Uint8Array, level: number, after = AFTER): boolean => {
  const buffer = Buffer.concat([BEFORE, bytes, Buffer.from(after)])
  const out = new ByteWriter()
  out.utf8("before")
  const ok = writeIndentedBytes(out, buffer, BEFORE.length, BEFORE.length + bytes.length, level)
  const text = decoded(bytes)
  const expected = new ByteWriter()
  expected.utf8("before")
  const expectedOk = text !== undefined && writeIndented(expected, text, level)
  expect(ok).toBe(expectedOk)
  expect(Buffer.from(out.view()).toString("utf8")).toBe(Buffer.from(expected.view()).toString("utf8"))
  expect(Buffer.from(out.view()).equals(Buffer.from(expected.view()))).toBe(true)
  return ok
}

/** Bytes that end or break UTF-8 sequences. */
const badByte = fc.constantFrom(
  0x80,
  0x9f,
  0xa0,
  0xa8,
  0xbf,
  0xc0,
  0xc1,
  0xc2,
  0xdf,
  0xe0,
  0xe2,
  0xed,
  0xef,
  0xf0,
  0xf4,
  0xf5,
  0xff
)

/** A text's UTF-8 with a few bytes inserted or replaced. */
const brokenBytes = fc
  .tuple(wellFormed, fc.array(fc.tuple(fc.nat(), fc.boolean(), badByte), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => {
    const bytes = [...Buffer.from(text, "utf8")]
    for (const [at, insert, byte] of edits) bytes.splice(at % (bytes.length + 1), insert ? 0 : 1, byte)
    return Uint8Array.from(bytes)
  })

describe("writeIndentedBytes", () => {
  it("writes writeIndented's bytes for every well-formed value", () => {
    fc.assert(
      fc.property(wellFormed, fc.integer({ min: 0, max: 4 }), (text, level) => {
        expect(expectAgrees(Buffer.from(text, "utf8"), level)).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })

  it("refuses what writeIndented refuses", () => {
    fc.assert(
      fc.property(damaged, fc.integer({ min: 0, max: 3 }), (text, level) => {
        expectAgrees(Buffer.from(text, "utf8"), level)
      }),
      { numRuns: 3000 }
    )
  })

  it("refuses bytes that are not well-formed UTF-8, and takes those that are", () => {
    fc.assert(
      fc.property(brokenBytes, (bytes) => {
        expectAgrees(bytes, 2)
      }),
      { numRuns: 3000 }
    )
    const sequences = [
      [[0xc2, 0x80], true],
      [[0xe0, 0xa0, 0x80], true],
      [[0xed, 0x9f, 0xbf], true],
      [[0xf0, 0x90, 0x80, 0x80], true],
      [[0xf4, 0x8f, 0xbf, 0xbf], true],
      [[0xe2, 0x80, 0xa8], true],
      [[0xef, 0xbb, 0xbf], true],
      [[0xc0, 0xaf], false],
      [[0xe0, 0x9f, 0xbf], false],
      [[0xed, 0xa0, 0x80], false],
      [[0xf0, 0x8f, 0xbf, 0xbf], false],
      [[0xf4, 0x90, 0x80, 0x80], false],
      [[0xe2, 0x80], false],
      [[0x80], false]
    ] as const
    for (const [seq, valid] of sequences) {
      const bytes = Buffer.concat([Buffer.from('{"k":["a'), Buffer.from(seq), Buffer.from('b"]}')])
      expect(expectAgrees(bytes, 2), Buffer.from(seq).toString("hex")).toBe(valid)
      // Outside a string, no non-ASCII byte is JSON.
      expect(expectAgrees(Buffer.concat([Buffer.from("["), Buffer.from(seq), Buffer.from("]")]), 2)).toBe(false)
    }
  })

  it("reads nothing past the value's end", () => {
    const values = ["1", "-1", "1.5", "true", '"s"', "[]", "{}", "[1]", '{"k":1}', "[1", "{", '"open', '{"k"', '{"k":']
    const more = ["tru", "1.", "1e", "-", '"\\u12', '"\\', "[1,", '{"k":1,']
    for (const after of ["", "]", "}", "2", "e5", ".5", '"', "rue", " ", ",2]", ":1}", 'u0041"']) {
      for (const text of [...values, ...more]) {
        expect(expectAgrees(Buffer.from(text), 1, after), `${text} then ${after}`).toBe(
          values.slice(0, 9).includes(text)
        )
      }
    }
  })
})
