/**
 * Stored timestamps read from their bytes, for a format writing from stored
 * records: the usual spellings (`YYYY-MM-DD[Tt ]HH:MM:SS[.f{1,9}]`, then
 * nothing, `Z`, `z` or `±HH:MM`) are recognised with the checks of
 * `Timestamp.decode`, without making a string; other text goes to
 * `Timestamp.decode` itself.
 */
import * as Timestamp from "./Timestamp.js"

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Two ASCII digits at `i` as a number; -1 unless both are digits. */
const two = (b: Uint8Array, i: number): number => {
  const d0 = b[i]! - 0x30
  const d1 = b[i + 1]! - 0x30
  return d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 ? d0 * 10 + d1 : -1
}

/** A usual spelling with a zero offset (none, `Z`, `z`, `±00:00`): written `Z`. */
export const UTC = 0
/** Not one of the usual spellings: ask `Timestamp.decode` (`decodeAscii`). */
export const UNUSUAL = -1

/**
 * Reads `b[s, e)` as one of the usual spellings of a valid timestamp, as
 * `Timestamp.decode` accepts them. Returns `UTC`, the index of a non-zero
 * `±HH:MM` offset (written as stored), or `UNUSUAL` for anything else, valid
 * or not. The seconds are `b[s, s + 19)`, with `T` for the separator.
 */
export const usual = (b: Uint8Array, s: number, e: number): number => {
  if (e - s < 19) return UNUSUAL
  const sep = b[s + 10]
  if (b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return UNUSUAL
  if (sep !== 0x54 && sep !== 0x74 && sep !== 0x20) return UNUSUAL
  const hi = two(b, s)
  const lo = two(b, s + 2)
  const month = two(b, s + 5)
  const day = two(b, s + 8)
  const hour = two(b, s + 11)
  const minute = two(b, s + 14)
  const second = two(b, s + 17)
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return UNUSUAL
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return UNUSUAL
  const year = hi * 100 + lo
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return UNUSUAL
  let i = s + 19
  if (i < e && b[i] === 0x2e) {
    let j = i + 1
    while (j < e && b[j]! >= 0x30 && b[j]! <= 0x39) j++
    if (j - i - 1 < 1 || j - i - 1 > 9) return UNUSUAL
    i = j
  }
  if (i === e || (i + 1 === e && (b[i] === 0x5a || b[i] === 0x7a))) return UTC
  if (i + 6 !== e || (b[i] !== 0x2b && b[i] !== 0x2d) || b[i + 3] !== 0x3a) return UNUSUAL
  const oh = two(b, i + 1)
  const om = two(b, i + 4)
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return UNUSUAL
  return oh === 0 && om === 0 ? UTC : i
}

/**
 * For a usual spelling at `s`: where its fraction ends once trailing zeros
 * are trimmed, `.` included (`s + 19` when there is none left), as
 * `Timestamp.decode` keeps it.
 */
export const fractionEnd = (b: Uint8Array, s: number, e: number): number => {
  const dot = s + 19
  if (dot >= e || b[dot] !== 0x2e) return dot
  let j = dot + 1
  while (j < e && b[j]! >= 0x30 && b[j]! <= 0x39) j++
  while (j > dot + 1 && b[j - 1] === 0x30) j--
  return j === dot + 1 ? dot : j
}

/**
 * `Timestamp.decode` of text that is not a usual spelling, when it is ASCII
 * (text with any other byte is no timestamp); undefined when it is not a
 * valid timestamp (decoding the post warns).
 */
export const decodeAscii = (b: Uint8Array, s: number, e: number): Timestamp.Timestamp | undefined => {
  let text = ""
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if (c > 0x7f) return undefined
    text += String.fromCharCode(c)
  }
  const t = Timestamp.decode(text)
  return t.valid ? t : undefined
}
