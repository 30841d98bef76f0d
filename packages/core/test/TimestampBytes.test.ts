import { describe, expect, it } from "vitest"
import * as Timestamp from "../dist/Timestamp.js"
import * as TimestampBytes from "../dist/TimestampBytes.js"

const pad = (n: number, w = 2) => String(n).padStart(w, "0")

/** Dates valid and not (leap days, month and day ranges), times at and past their limits. */
const dates = [
  [2024, 2, 29],
  [2023, 2, 29],
  [2000, 2, 29],
  [1900, 2, 29],
  [2024, 4, 31],
  [2024, 12, 31],
  [2024, 13, 1],
  [2024, 0, 1],
  [2024, 1, 0],
  [0, 1, 1],
  [9999, 12, 31]
]
const times = [
  [0, 0, 0],
  [23, 59, 59],
  [24, 0, 0],
  [12, 60, 0],
  [12, 0, 60]
]
const seps = ["T", "t", " ", "x"]
const fractions = ["", ".", ".0", ".5", ".120", ".000000000", ".123456789", ".1234567890"]
const zones = ["", "Z", "z", "ZZ", "+00:00", "-00:00", "+05:30", "-23:59", "+24:00", "+01:60", "+0100", " +0000 UTC"]

const spellings = function* () {
  for (const [y, mo, d] of dates)
    for (const [h, mi, s] of times)
      for (const sep of seps)
        for (const fraction of fractions)
          for (const zone of zones)
            yield `${pad(y!, 4)}-${pad(mo!)}-${pad(d!)}${sep}${pad(h!)}:${pad(mi!)}:${pad(s!)}${fraction}${zone}`
}

/** What the bytes say about `text`: the seconds, fraction and offset `Timestamp.decode` would give, or undefined. */
const read = (text: string) => {
  const b = Buffer.from(`..${text}..`)
  const s = 2
  const e = b.length - 2
  const offset = TimestampBytes.usual(b, s, e)
  if (offset === TimestampBytes.UNUSUAL) return undefined
  const seconds = `${b.toString("latin1", s, s + 10)}T${b.toString("latin1", s + 11, s + 19)}`
  const end = TimestampBytes.fractionEnd(b, s, e)
  return {
    seconds,
    fraction: end === s + 19 ? "" : b.toString("latin1", s + 20, end),
    offset: offset === TimestampBytes.UTC ? "Z" : b.toString("latin1", offset, offset + 6)
  }
}

describe("TimestampBytes", () => {
  it("reads exactly the usual valid spellings from bytes, with the parts Timestamp.decode gives", () => {
    let usual = 0
    for (const text of spellings()) {
      const t = Timestamp.decode(text)
      const goTail = text.indexOf(" ", 19) >= 0
      const expected = t.valid && !goTail ? { seconds: t.seconds, fraction: t.fraction, offset: t.offset } : undefined
      expect(read(text), text).toEqual(expected)
      if (expected !== undefined) usual++
    }
    expect(usual).toBeGreaterThan(1000)
  })

  it("leaves other text to Timestamp.decode, when it is ASCII", () => {
    const go = Buffer.from("2024-01-02 03:04:05.25 -0130 EST m=+1.5")
    expect(TimestampBytes.usual(go, 0, go.length)).toBe(TimestampBytes.UNUSUAL)
    const t = TimestampBytes.decodeAscii(go, 0, go.length)
    expect(t && t.seconds + t.offset).toBe("2024-01-02T03:04:05-01:30")
    expect(TimestampBytes.decodeAscii(Buffer.from("2024-01-02T03:04:05é"), 0, 21)).toBeUndefined()
    expect(TimestampBytes.decodeAscii(Buffer.from("soon"), 0, 4)).toBeUndefined()
  })
})
