import { describe, expect, it } from "vitest"
import * as Timestamp from "../dist/Timestamp.js"

const json = (s: string) => Timestamp.toRfc3339(Timestamp.decode(s))
const csv = (s: string) => Timestamp.toRfc3339Seconds(Timestamp.decode(s))

describe("Timestamp.decode", () => {
  it("renders RFC 3339 with trailing fraction zeros removed and the stored offset kept", () => {
    expect(json("2024-04-04T04:04:04.120Z")).toBe("2024-04-04T04:04:04.12Z")
    expect(json("2024-04-04T04:04:04.000Z")).toBe("2024-04-04T04:04:04Z")
    expect(json("2024-04-04T04:04:04.000000001Z")).toBe("2024-04-04T04:04:04.000000001Z")
    expect(json("2024-05-09T22:10:00.250-07:00")).toBe("2024-05-09T22:10:00.25-07:00")
    expect(json("2024-05-11T17:40:00+05:30")).toBe("2024-05-11T17:40:00+05:30")
    expect(json("2024-05-12T00:00:00.000+00:00")).toBe("2024-05-12T00:00:00Z")
  })

  it("reads SQLite's form as UTC", () => {
    expect(json("2025-01-15 10:00:00")).toBe("2025-01-15T10:00:00Z")
    expect(json("2025-01-15 10:00:00.250")).toBe("2025-01-15T10:00:00.25Z")
  })

  it("reads Go's time.String() form, with or without a monotonic reading", () => {
    expect(json("2024-01-15 10:30:00.123 +0000 UTC")).toBe("2024-01-15T10:30:00.123Z")
    expect(json("2024-01-15 10:30:00.123 +0000 UTC m=+12.345")).toBe("2024-01-15T10:30:00.123Z")
    expect(json("2024-01-15 10:30:00 -0700 MST")).toBe("2024-01-15T10:30:00-07:00")
    expect(json("2024-01-15 10:30:00.5 +0530 +0530")).toBe("2024-01-15T10:30:00.5+05:30")
  })

  it("truncates to seconds for CSV, never rounding", () => {
    expect(csv("2024-06-30T23:59:59.999999999Z")).toBe("2024-06-30T23:59:59Z")
    expect(csv("2024-05-13T00:00:00.123456789-03:30")).toBe("2024-05-13T00:00:00-03:30")
    expect(csv("2025-01-15 10:00:00.250")).toBe("2025-01-15T10:00:00Z")
  })

  it.each([
    "",
    "yesterday",
    "2024-13-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00.1234567890Z",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00+2:00",
    "2024-01-01T00:00:00 garbage"
  ])("marks %j invalid and renders it as stored", (text) => {
    const t = Timestamp.decode(text)
    expect(t.valid).toBe(false)
    expect(Timestamp.toRfc3339(t)).toBe(text)
    expect(Timestamp.canonicalInstant(text)).toBeUndefined()
  })

  it("accepts 29 February in leap years", () => {
    expect(Timestamp.decode("2024-02-29T23:59:59.999Z").valid).toBe(true)
  })
})

describe("Timestamp.canonicalInstant", () => {
  it("orders instants by plain string comparison across spellings and offsets", () => {
    const spellings = [
      "2024-03-01T00:00:00Z",
      "2024-03-01T00:00:00.000Z",
      "2024-03-01 00:00:00",
      "2024-03-01T05:30:00+05:30",
      "2024-02-29T19:00:00-05:00",
      "2024-03-01 00:00:00.000 +0000 UTC m=+1.5"
    ]
    const canon = spellings.map((s) => Timestamp.canonicalInstant(s))
    expect(new Set(canon)).toEqual(new Set(["2024-03-01T00:00:00.000000000Z"]))
    expect(Timestamp.canonicalInstant("2024-06-30T23:59:59.999999999Z")! < "2024-07-01T00:00:00.000000000Z").toBe(true)
  })

  it("shifts across day and year boundaries", () => {
    expect(Timestamp.canonicalInstant("2024-12-31T23:30:00-01:00")).toBe("2025-01-01T00:30:00.000000000Z")
    expect(Timestamp.canonicalInstant("2024-01-01T00:30:00+01:00")).toBe("2023-12-31T23:30:00.000000000Z")
  })
})
