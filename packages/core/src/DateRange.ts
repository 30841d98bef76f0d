/**
 * The date range of an export. Bounds are compared as instants, whatever
 * spelling or fraction digits a stored `created_at` has: `--since DAY` starts
 * at 00:00:00 UTC of that day, `--until DAY` ends after 23:59:59.999999999 UTC.
 */
import * as Effect from "effect/Effect"
import { InvalidRequest } from "./Errors.js"
import * as Timestamp from "./Timestamp.js"

export interface DateRange {
  /** As the user gave them (recorded in the manifest). */
  readonly requested: { readonly since: string | null; readonly until: string | null }
  /** Canonical inclusive bounds (`Timestamp.canonicalInstant` form). */
  readonly since: string | undefined
  readonly until: string | undefined
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

const dayBound = (value: string, end: boolean): string | undefined => {
  if (!DAY.test(value)) return undefined
  const t = value + (end ? "T23:59:59.999999999Z" : "T00:00:00Z")
  return Timestamp.canonicalInstant(t)
}

const HELP =
  "expected YYYY-MM-DD or an RFC 3339 timestamp such as 2024-03-01T12:00:00Z or 2024-03-01T12:00:00.123+02:00"

const MONTHS = "January February March April May June July August September October November December".split(" ")

/** Why a value spelled as a date (`YYYY-MM-DD`, alone or before `T`) names no day; undefined when it names one. */
const noSuchDate = (value: string): string | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[Tt])/.exec(value)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12) return `there is no month ${m[2]} (months are 01 to 12)`
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  if (day < 1 || day > days) return `there is no such date: ${MONTHS[month - 1]} ${year} has ${days} days`
  return undefined
}

const TIME = /^\d{4}-\d{2}-\d{2}[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|[+-](\d{2}):(\d{2}))?$/

/** Why a timestamp spelled as RFC 3339 names no instant (a part out of range, no zone); undefined when it names one. */
const noSuchTime = (value: string): string | undefined => {
  const m = TIME.exec(value)
  if (m === null) return undefined
  const [hour, minute, second, z, offsetHours, offsetMinutes] = m.slice(1)
  if (Number(hour) > 23) return `there is no hour ${hour} (hours are 00 to 23)`
  if (Number(minute) > 59) return `there is no minute ${minute} (minutes are 00 to 59)`
  // Leap seconds (:60) are refused too: no stored timestamp holds one.
  if (Number(second) > 59) return `there is no second ${second} (seconds are 00 to 59)`
  if (z === undefined && offsetHours === undefined) {
    return "a timestamp needs a zone: add Z for UTC or an offset such as +02:00"
  }
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return "offsets are -23:59 to +23:59"
  return undefined
}

// RFC 3339 allows any number of fraction digits; instants are kept to the
// nanosecond, so digits beyond the ninth are dropped (truncated, never rounded).
const NANOSECONDS = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}\.\d{9})\d+/

const bound = (field: "since" | "until", value: string): Effect.Effect<string, InvalidRequest> => {
  const day = dayBound(value, field === "until")
  if (day !== undefined) return Effect.succeed(day)
  const text = value.replace(NANOSECONDS, "$1")
  // Full timestamps must carry a zone: "T" separator plus Z or an offset.
  const t = Timestamp.decode(text)
  const instant =
    t.valid && /^\d{4}-\d{2}-\d{2}[Tt]/.test(text) && /([Zz]|[+-]\d{2}:\d{2})$/.test(text)
      ? Timestamp.canonicalInstant(text)
      : undefined
  if (instant !== undefined) return Effect.succeed(instant)
  const why = noSuchDate(value) ?? noSuchTime(value) ?? HELP
  return Effect.fail(new InvalidRequest({ field, message: `invalid --${field} ${JSON.stringify(value)}: ${why}` }))
}

/** Builds a range from optional user input; fails when a bound is malformed or until is before since. */
export const make = Effect.fn("DateRange.make")(function* (input: {
  readonly since?: string | undefined
  readonly until?: string | undefined
}) {
  const since = input.since === undefined ? undefined : yield* bound("since", input.since)
  const until = input.until === undefined ? undefined : yield* bound("until", input.until)
  if (since !== undefined && until !== undefined && until < since) {
    return yield* new InvalidRequest({
      field: "until",
      message: `--until ${input.until} is before --since ${input.since}: the range would be empty`
    })
  }
  return {
    requested: { since: input.since ?? null, until: input.until ?? null },
    since,
    until
  } satisfies DateRange as DateRange
})

/** The whole archive. */
export const all: DateRange = { requested: { since: null, until: null }, since: undefined, until: undefined }

export const isAll = (range: DateRange): boolean => range.since === undefined && range.until === undefined
