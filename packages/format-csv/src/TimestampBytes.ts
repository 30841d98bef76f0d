/**
 * Timestamp cells from stored bytes: what `Encoder.makePost` writes for
 * `Timestamp.decode(text)`, RFC 3339 truncated to whole seconds. The usual
 * spellings (`YYYY-MM-DD[Tt ]HH:MM:SS[.f{1,9}]` then nothing, `Z`, `z` or
 * `±HH:MM`) are read from the bytes; any other ASCII text is decoded by
 * `Timestamp.decode` itself (Go's `time.String()` tail, invalid text).
 */
import * as Timestamp from "@skyporter/core/Timestamp"

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Two ASCII digits at `i` as a number; -1 unless both are digits. */
const two = (b: Uint8Array, i: number): number => {
  const d0 = b[i]! - 0x30
  const d1 = b[i + 1]! - 0x30
  return d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 ? d0 * 10 + d1 : -1
}

/** No offset: the cell ends in `Z`. */
export const UTC = 0
/** Not one of the usual spellings: ask `Timestamp.decode`. */
export const UNUSUAL = -1

/**
 * Reads `b[s, e)` as one of the usual spellings of a valid timestamp, as
 * `Timestamp.decode` accepts them. Returns `UTC`, the index of a non-zero
 * `±HH:MM` offset (then copied as stored: decode writes it the same), or
 * `UNUSUAL` for anything else, valid or not.
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

/** The longest cell: `YYYY-MM-DDTHH:MM:SS±HH:MM`. */
export const CELL_BYTES = 25

/** Writes the cell of a usual spelling (`offset` from `usual`) at `at`; returns its end. */
export const writeUsual = (out: Uint8Array, at: number, b: Uint8Array, s: number, offset: number): number => {
  for (let i = 0; i < 19; i++) out[at++] = b[s + i]!
  out[at - 9] = 0x54
  if (offset === UTC) out[at++] = 0x5a
  else for (let i = 0; i < 6; i++) out[at++] = b[offset + i]!
  return at
}

/**
 * `Timestamp.decode` of other text, when it is ASCII (text with any other
 * byte is no timestamp); undefined when it is not a valid timestamp.
 */
export const decodeUnusual = (b: Uint8Array, s: number, e: number): Timestamp.Timestamp | undefined => {
  let text = ""
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if (c > 0x7f) return undefined
    text += String.fromCharCode(c)
  }
  const t = Timestamp.decode(text)
  return t.valid ? t : undefined
}

/** Writes a valid decoded timestamp's cell (ASCII: digits, `-`, `:`, `T`, `Z`, `+`) at `at`; returns its end. */
export const writeDecoded = (out: Uint8Array, at: number, t: Timestamp.Timestamp): number => {
  const cell = t.seconds + t.offset
  for (let i = 0; i < cell.length; i++) out[at++] = cell.charCodeAt(i)
  return at
}
