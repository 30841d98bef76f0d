import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as DateRange from "../dist/DateRange.js"

const make = (since?: string, until?: string) => Effect.runSync(Effect.exit(DateRange.make({ since, until })))

describe("DateRange.make", () => {
  it("turns whole days into inclusive instant bounds", () => {
    const exit = make("2024-03-01", "2024-06-30")
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({
      since: "2024-03-01T00:00:00.000000000Z",
      until: "2024-06-30T23:59:59.999999999Z",
      requested: { since: "2024-03-01", until: "2024-06-30" }
    })
  })

  it("accepts RFC 3339 instants with any offset", () => {
    const exit = make("2024-03-01T12:00:00+02:00", "2024-03-02T00:00:00.5Z")
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({
      since: "2024-03-01T10:00:00.000000000Z",
      until: "2024-03-02T00:00:00.500000000Z"
    })
  })

  it("allows a one-day range and open ends", () => {
    expect(Exit.isSuccess(make("2024-03-01", "2024-03-01"))).toBe(true)
    expect(Exit.isSuccess(make(undefined, "2024-03-01"))).toBe(true)
    expect(Exit.isSuccess(make("2024-03-01", undefined))).toBe(true)
  })

  it.each([
    ["2024-13-01", undefined, "since"],
    ["2024-02-30", undefined, "since"],
    ["yesterday", undefined, "since"],
    ["2024-03-01T00:00:00", undefined, "since"],
    [undefined, "2024/03/01", "until"],
    ["2024-03-02", "2024-03-01", "until"]
  ])("rejects since=%j until=%j naming --%s", (since, until, field) => {
    const error = Effect.runSync(Effect.flip(DateRange.make({ since, until })))
    expect(error._tag).toBe("InvalidRequest")
    expect(error.field).toBe(field)
    expect(error.message).toContain(`--${field}`)
  })

  it.each([
    ["2024-02-30", "there is no such date: February 2024 has 29 days"],
    ["2023-02-29", "there is no such date: February 2023 has 28 days"],
    ["2024-04-31T00:00:00Z", "there is no such date: April 2024 has 30 days"],
    ["2024-01-00", "there is no such date: January 2024 has 31 days"],
    ["2024-13-01", "there is no month 13 (months are 01 to 12)"],
    ["1900-02-29", "there is no such date: February 1900 has 28 days"],
    ["2024-06-01T25:00:00Z", "there is no hour 25 (hours are 00 to 23)"],
    ["2024-06-01T12:60:00+02:00", "there is no minute 60 (minutes are 00 to 59)"],
    ["2016-12-31T23:59:60Z", "there is no second 60 (seconds are 00 to 59)"],
    ["2024-06-01T12:00:00", "a timestamp needs a zone: add Z for UTC or an offset such as +02:00"],
    ["2024-06-01T12:00:00.5", "a timestamp needs a zone: add Z for UTC or an offset such as +02:00"],
    ["2024-06-01T12:00:00+24:00", "offsets are -23:59 to +23:59"]
  ])("says why %j names no day or instant: %s", (since, why) => {
    const error = Effect.runSync(Effect.flip(DateRange.make({ since })))
    expect(error.message).toBe(`invalid --since ${JSON.stringify(since)}: ${why}`)
  })

  it("accepts 29 February of a leap year, 2000 included", () => {
    for (const day of ["2024-02-29", "2000-02-29", "2024-12-31T23:59:59Z"]) {
      expect(Exit.isSuccess(make(day, undefined)), day).toBe(true)
    }
  })

  it("accepts any number of fraction digits, truncating beyond nanoseconds", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["2024-03-01T12:00:00.1Z", "2024-03-01T12:00:00.100000000Z"],
      ["2024-03-01T12:00:00.123456789Z", "2024-03-01T12:00:00.123456789Z"],
      ["2024-03-01T12:00:00.1234567891Z", "2024-03-01T12:00:00.123456789Z"],
      ["2024-03-01T12:00:00.999999999999999999999+01:00", "2024-03-01T11:00:00.999999999Z"],
      ["2024-03-01t12:00:00.00000000000000000001z", "2024-03-01T12:00:00.000000000Z"]
    ]
    for (const [input, since] of cases) {
      const exit = make(input, undefined)
      expect(Exit.isSuccess(exit) && exit.value.since, input).toBe(since)
    }
    // Truncation never makes a malformed instant valid.
    for (const bad of ["2024-03-01T12:00:00.1234567891", "2024-03-01T12:00:00.Z", "2024-03-01T12:00:00.12345678901x"]) {
      expect(Exit.isFailure(make(bad, undefined)), bad).toBe(true)
    }
  })
})
