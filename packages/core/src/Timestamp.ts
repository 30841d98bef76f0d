/**
 * Timestamps as bskyarchive stores them: TEXT in one of three spellings.
 *
 * - RFC 3339: `2024-01-15T10:30:00.123Z`, `…+05:30` (1–9 fraction digits or none)
 * - SQLite:   `2024-01-15 10:30:00[.123]` (no offset: UTC)
 * - Go's `time.String()`: `2024-01-15 10:30:00.123 +0000 UTC[ m=+12.345]`
 *
 * Decoding keeps the stored wall-clock fields and offset (formats render them
 * as stored), and derives a canonical UTC instant for date-range filtering.
 */

/** A decoded stored timestamp. */
export interface Timestamp {
  /** The stored text, unchanged. */
  readonly text: string
  /** False when the text matched none of the known spellings. */
  readonly valid: boolean
  /** `YYYY-MM-DDTHH:MM:SS` in the stored offset ("" when invalid). */
  readonly seconds: string
  /** Fraction digits with trailing zeros removed ("" when zero or absent). */
  readonly fraction: string
  /** `Z` for a zero offset, else `±HH:MM` ("" when invalid). */
  readonly offset: string
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}

/** Reads `n` ASCII digits at `i`; -1 when any is not a digit. */
const digits = (s: string, i: number, n: number): number => {
  let v = 0
  for (let k = 0; k < n; k++) {
    const d = digit(s, i + k)
    if (d < 0) return -1
    v = v * 10 + d
  }
  return v
}

const invalid = (text: string): Timestamp => ({ text, valid: false, seconds: "", fraction: "", offset: "" })

interface Parsed {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** Raw fraction digits, untrimmed (0–9). */
  readonly fractionDigits: string
  /** Offset from UTC in minutes. */
  readonly offsetMinutes: number
}

/** Go's `time.String()` tail: ` +0000 UTC` with an optional ` m=±1.23` monotonic reading. */
const GO_TAIL = /^ ([+-])(\d\d)(\d\d)(?: [A-Za-z0-9+-]+)?(?: m=[+-]\d+(?:\.\d+)?)?$/
const RFC_OFFSET = /^([+-])(\d\d):(\d\d)$/

const parse = (s: string): Parsed | undefined => {
  // Fixed date-time head: YYYY-MM-DD?HH:MM:SS
  if (s.length < 19) return undefined
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  const second = digits(s, 17, 2)
  const sep = s[10]
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    s[4] !== "-" ||
    s[7] !== "-" ||
    s[13] !== ":" ||
    s[16] !== ":" ||
    (sep !== "T" && sep !== "t" && sep !== " ")
  )
    return undefined
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day > dim) return undefined

  let i = 19
  let fractionDigits = ""
  if (s[i] === ".") {
    let j = i + 1
    while (j < s.length && digit(s, j) >= 0) j++
    fractionDigits = s.slice(i + 1, j)
    if (fractionDigits.length < 1 || fractionDigits.length > 9) return undefined
    i = j
  }
  const rest = s.slice(i)
  let offsetMinutes = 0
  if (rest !== "" && rest !== "Z" && rest !== "z") {
    // "" is the SQLite form (or a zone-less ISO form): UTC.
    const m = RFC_OFFSET.exec(rest) ?? GO_TAIL.exec(rest)
    if (!m) return undefined
    const oh = Number(m[2])
    const om = Number(m[3])
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (m[1] === "-" ? -1 : 1) * (oh * 60 + om)
  }
  return { year, month, day, hour, minute, second, fractionDigits, offsetMinutes }
}

const pad2 = (n: number) => (n < 10 ? "0" : "") + n
const pad4 = (n: number) => String(n).padStart(4, "0")

const formatOffset = (minutes: number): string => {
  if (minutes === 0) return "Z"
  const sign = minutes < 0 ? "-" : "+"
  const abs = Math.abs(minutes)
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
}

const trimZeros = (f: string): string => {
  let end = f.length
  while (end > 0 && f.charCodeAt(end - 1) === 48) end--
  return f.slice(0, end)
}

/** Decodes stored timestamp text. Never throws: unknown spellings come back with `valid: false`. */
export const decode = (text: string): Timestamp => {
  const p = parse(text)
  if (p === undefined) return invalid(text)
  return {
    text,
    valid: true,
    // Already `YYYY-MM-DDTHH:MM:SS` when the separator is `T` (the digits
    // were checked): the common case, without building the string again.
    seconds:
      text.charCodeAt(10) === 84
        ? text.slice(0, 19)
        : `${pad4(p.year)}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`,
    fraction: trimZeros(p.fractionDigits),
    offset: p.offsetMinutes === 0 ? "Z" : formatOffset(p.offsetMinutes)
  }
}

/** RFC 3339 with the fraction trimmed of trailing zeros (JSON rendering). */
export const toRfc3339 = (t: Timestamp): string =>
  t.valid ? (t.fraction === "" ? t.seconds + t.offset : `${t.seconds}.${t.fraction}${t.offset}`) : t.text

/** RFC 3339 truncated (never rounded) to whole seconds (CSV rendering). */
export const toRfc3339Seconds = (t: Timestamp): string => (t.valid ? t.seconds + t.offset : t.text)

/**
 * The canonical UTC instant of stored text: `YYYY-MM-DDTHH:MM:SS.fffffffffZ`
 * (always nine fraction digits), so that plain string comparison orders
 * instants. Undefined for text that is not a timestamp or falls outside years
 * 0000–9999 once shifted to UTC.
 */
export const canonicalInstant = (text: string): string | undefined => {
  const p = parse(text)
  if (p === undefined) return undefined
  const d = new Date(0)
  d.setUTCFullYear(p.year, p.month - 1, p.day)
  d.setUTCHours(p.hour, p.minute - p.offsetMinutes, p.second, 0)
  const y = d.getUTCFullYear()
  if (y < 0 || y > 9999) return undefined
  return `${pad4(y)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes()
  )}:${pad2(d.getUTCSeconds())}.${p.fractionDigits.padEnd(9, "0")}Z`
}

/** Adds whole days to a `YYYY-MM-DD` date; undefined when the result leaves years 0000–9999. */
export const addDays = (date: string, days: number): string | undefined => {
  const d = new Date(0)
  d.setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + days)
  const y = d.getUTCFullYear()
  if (y < 0 || y > 9999) return undefined
  return `${pad4(y)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`
}
