/**
 * Stored JSON laid out from its bytes against the string writer it stands
 * in for: for any bytes, `writeIndentedBytes` writes what `writeIndented`
 * writes for their decoded text when they are well-formed UTF-8, and
 * refuses them otherwise; it never reads past the value's end.
 */
import { describe, expect, it } from "vitest"
import { expectBytesAgree, fuzzProperties } from "./raw-json-properties.js"

describe("writeIndentedBytes", () => {
  for (const { name, assertRuns, runs } of fuzzProperties.filter((f) => f.writer === "writeIndentedBytes")) {
    it(`${name}`, () => assertRuns(runs))
  }

  it("takes exactly the well-formed UTF-8 sequences, inside strings only", () => {
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
      expect(expectBytesAgree(bytes, 2), Buffer.from(seq).toString("hex")).toBe(valid)
      // Outside a string, no non-ASCII byte is JSON.
      expect(expectBytesAgree(Buffer.concat([Buffer.from("["), Buffer.from(seq), Buffer.from("]")]), 2)).toBe(false)
    }
  })

  it("reads nothing past the value's end", () => {
    const values = ["1", "-1", "1.5", "true", '"s"', "[]", "{}", "[1]", '{"k":1}', "[1", "{", '"open', '{"k"', '{"k":']
    const more = ["tru", "1.", "1e", "-", '"\\u12', '"\\', "[1,", '{"k":1,']
    for (const after of ["", "]", "}", "2", "e5", ".5", '"', "rue", " ", ",2]", ":1}", 'u0041"']) {
      for (const text of [...values, ...more]) {
        expect(expectBytesAgree(Buffer.from(text), 1, after), `${text} then ${after}`).toBe(
          values.slice(0, 9).includes(text)
        )
      }
    }
  })
})
