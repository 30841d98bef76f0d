/** Hostile timestamp columns: every accepted spelling, offset and fraction length, or not timestamps at all. */
import * as fc from "fast-check"
import { type ExpectedTimestamp, generated } from "./HostileExpected.js"
import { text } from "./HostileText.js"

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const validTimestamp = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.string({ unit: fc.constantFrom("0", "1", "5", "9"), minLength: 0, maxLength: 9 }),
    offset: fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
    spelling: fc.constantFrom("rfc-Z", "rfc-z", "rfc-offset", "rfc-t", "rfc-space", "rfc-none", "sqlite", "go")
  })
  .map((t) => {
    const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`
    const time = `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`
    const fraction = t.fraction === "" ? "" : `.${t.fraction}`
    const abs = Math.abs(t.offset)
    const sign = t.offset < 0 ? "-" : "+"
    const rfcOffset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    // Spellings without an offset are UTC.
    let stored: string
    let offset = t.offset
    switch (t.spelling) {
      case "rfc-Z":
        stored = `${date}T${time}${fraction}Z`
        offset = 0
        break
      case "rfc-z":
        stored = `${date}T${time}${fraction}z`
        offset = 0
        break
      case "rfc-offset":
        stored = `${date}T${time}${fraction}${rfcOffset}`
        break
      case "rfc-t":
        stored = `${date}t${time}${fraction}${rfcOffset}`
        break
      case "rfc-space":
        stored = `${date} ${time}${fraction}${rfcOffset}`
        break
      case "rfc-none":
        stored = `${date}T${time}${fraction}`
        offset = 0
        break
      case "sqlite":
        stored = `${date} ${time}${fraction}`
        offset = 0
        break
      default:
        stored = `${date} ${time}${fraction} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} UTC m=+${t.second}.5`
    }
    const seconds = `${date}T${time}`
    const zone = offset === 0 ? "Z" : rfcOffset
    const trimmed = t.fraction.replace(/0+$/, "")
    return generated<ExpectedTimestamp>(stored, {
      json: trimmed === "" ? seconds + zone : `${seconds}.${trimmed}${zone}`,
      csv: seconds + zone
    })
  })

/** Not timestamps in any accepted spelling: written as stored. */
const INVALID_TIMESTAMPS = [
  "2024-02-30T00:00:00Z",
  "2023-02-29T12:00:00Z",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:00:00.1234567890Z",
  "2024-01-01T00:00:00.Z",
  "2024-01-01",
  "2024-01-01T00:00:00+24:00",
  " 2024-01-01T00:00:00Z",
  "2024-01-01T00:00:00 Z",
  "soon",
  "",
  "2024-13-01T00:00:00Z",
  "١٩٧٠-01-01T00:00:00Z"
]

const invalidTimestamp = fc.oneof(
  fc.constantFrom(...INVALID_TIMESTAMPS).map((s) => generated<ExpectedTimestamp>(s, { json: s, csv: s })),
  // Never a timestamp: the first four characters must be digits.
  text.map((s) => `x${s}`).map((s) => generated<ExpectedTimestamp>(s, { json: s, csv: s })),
  // An INTEGER column read as its decimal text.
  fc.integer({ min: 0, max: 2 ** 40 }).map((n) => generated<ExpectedTimestamp>(n, { json: String(n), csv: String(n) })),
  fc.constant(generated<ExpectedTimestamp>(null, { json: "", csv: "" }))
)

export const timestamp = fc.oneof({ weight: 3, arbitrary: validTimestamp }, { weight: 1, arbitrary: invalidTimestamp })
