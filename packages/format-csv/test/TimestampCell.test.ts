/**
 * Timestamp cells written from bytes against `Timestamp.decode`: a spelling
 * read as usual must be valid and give the same cell, and every valid
 * spelling but Go's must be read as usual (not left to the slower path).
 */
import { Timestamp } from "@skyporter/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as TimestampBytes from "@skyporter/core/TimestampBytes"
import * as TimestampCell from "../src/TimestampCell.js"
import { timestampSpelling } from "./support.js"

const cell = (text: string): string | undefined => {
  const b = Buffer.from(`..${text}..`)
  const offset = TimestampBytes.usual(b, 2, b.length - 2)
  if (offset === TimestampBytes.UNUSUAL) return undefined
  const out = Buffer.alloc(TimestampCell.CELL_BYTES)
  return out.subarray(0, TimestampCell.writeUsual(out, 0, b, 2, offset)).toString("latin1")
}

describe("timestamp cells from bytes", () => {
  it("are exactly the valid RFC 3339 and SQLite spellings, with decode's cell", () => {
    fc.assert(
      fc.property(timestampSpelling, (text) => {
        const t = Timestamp.decode(text)
        const goTail = text.indexOf(" ", 19) >= 0
        expect(cell(text)).toBe(t.valid && !goTail ? t.seconds + t.offset : undefined)
      }),
      { numRuns: 3000 }
    )
  })

  it("leap days: 2000 and 2024 have one, 1900 and 2023 do not", () => {
    expect(cell("2000-02-29T00:00:00Z")).toBe("2000-02-29T00:00:00Z")
    expect(cell("2024-02-29 00:00:00")).toBe("2024-02-29T00:00:00Z")
    expect(cell("1900-02-29T00:00:00Z")).toBeUndefined()
    expect(cell("2023-02-29T00:00:00Z")).toBeUndefined()
  })

  it("Go's time.String() tail is left to Timestamp.decode", () => {
    const text = "2024-01-02 03:04:05.25 -0130 EST m=+1.5"
    expect(cell(text)).toBeUndefined()
    const b = Buffer.from(text)
    const t = TimestampBytes.decodeAscii(b, 0, b.length)
    expect(t && t.seconds + t.offset).toBe("2024-01-02T03:04:05-01:30")
    expect(TimestampBytes.decodeAscii(Buffer.from([0x32, 0xc3, 0xa9]), 0, 3)).toBeUndefined()
  })
})
