/**
 * A text cell written straight from stored UTF-8 bytes, with the rule of
 * `Encoder.cell` / `Encoder.formulaCell` (see Encoder.ts) decided on the
 * bytes: the same output as encoding the decoded string, without making it.
 * Bytes that are not well-formed UTF-8 are refused, since their decoded
 * string (with replacement characters) is not what the bytes say.
 */

import { isUtf8 } from "node:buffer"

/** Bits a byte sets for the rule: 1 for `,` CR LF, 2 for `"`, 4 for any non-ASCII byte. */
const ROLE = new Uint8Array(256)
ROLE[0x2c] = 1
ROLE[0x0a] = 1
ROLE[0x0d] = 1
ROLE[0x22] = 3
ROLE.fill(4, 0x80)

/**
 * The length of the well-formed UTF-8 sequence starting at `i` (before
 * `end`), or 0 when it is not one: overlongs, surrogates (ED A0..BF), code
 * points past U+10FFFF, stray continuation bytes and truncated sequences.
 */
export const sequenceLength = (b: Uint8Array, i: number, end: number): number => {
  const b0 = b[i]!
  if (b0 < 0x80) return 1
  if (b0 < 0xc2) return 0
  if (b0 < 0xe0) return i + 1 < end && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0
  if (b0 < 0xf0) {
    if (i + 2 >= end) return 0
    const b1 = b[i + 1]!
    if ((b[i + 2]! & 0xc0) !== 0x80) return 0
    const ok = b0 === 0xe0 ? b1 >= 0xa0 && b1 <= 0xbf : b0 === 0xed ? b1 >= 0x80 && b1 <= 0x9f : (b1 & 0xc0) === 0x80
    return ok ? 3 : 0
  }
  if (b0 < 0xf5) {
    if (i + 3 >= end) return 0
    const b1 = b[i + 1]!
    if ((b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) return 0
    const ok = b0 === 0xf0 ? b1 >= 0x90 && b1 <= 0xbf : b0 === 0xf4 ? b1 >= 0x80 && b1 <= 0x8f : (b1 & 0xc0) === 0x80
    return ok ? 4 : 0
  }
  return 0
}

/**
 * Whether the first character (well-formed) forces quoting: U+0009–U+000D,
 * U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000, as UTF-8.
 */
const quotesAsFirst = (b: Uint8Array, s: number): boolean => {
  const b0 = b[s]!
  if (b0 < 0x80) return b0 === 0x20 || (b0 >= 0x09 && b0 <= 0x0d)
  const b1 = b[s + 1]!
  if (b0 === 0xc2) return b1 === 0x85 || b1 === 0xa0
  if (b0 === 0xe1) return b1 === 0x9a && b[s + 2] === 0x80
  if (b0 === 0xe2) {
    const b2 = b[s + 2]!
    if (b1 === 0x80) return b2 <= 0x8a || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf
    return b1 === 0x81 && b2 === 0x9f
  }
  return b0 === 0xe3 && b1 === 0x80 && b[s + 2] === 0x80
}

/** Whether the first character (well-formed) gets `'` under escapeFormulas: = + - @ TAB CR, ＝ ＋ － ＠. */
const startsFormula = (b: Uint8Array, s: number): boolean => {
  const b0 = b[s]!
  if (b0 < 0x80) return b0 === 0x3d || b0 === 0x2b || b0 === 0x2d || b0 === 0x40 || b0 === 0x09 || b0 === 0x0d
  if (b0 !== 0xef || b[s + 1] !== 0xbc) return false
  const b2 = b[s + 2]
  return b2 === 0x9d || b2 === 0x8b || b2 === 0x8d || b2 === 0xa0
}

/** Up to this many bytes a loop copies faster than a native call (measured on post fields). */
const LOOP_COPY = 16

/** The most bytes `write` can add for `n` input bytes: each `"` doubled, two quotes and a `'`. */
export const bound = (n: number): number => 2 * n + 3

/**
 * Writes `src[s, e)` as one cell into `out` at `at` (room for `bound(e - s)`
 * bytes is the caller's) and returns where it ends, or -1, with nothing
 * meaningful written, when the bytes are not well-formed UTF-8. Both are
 * Buffers: one element kind keeps the loops fast, and `copy` takes no view.
 */
export const write = (out: Buffer, at: number, src: Buffer, s: number, e: number, formulas: boolean): number => {
  if (s === e) return at
  // One branch-free pass for the rule; non-ASCII text is then checked natively (much faster than here).
  let roles = 0
  for (let i = s; i < e; i++) roles |= ROLE[src[i]!]!
  if (roles >= 4 && !isUtf8(src.subarray(s, e))) return -1
  const quote = (roles & 3) !== 0 || quotesAsFirst(src, s) || (e - s === 2 && src[s] === 0x5c && src[s + 1] === 0x2e)
  if (quote) out[at++] = 0x22
  if (formulas && startsFormula(src, s)) out[at++] = 0x27
  if ((roles & 2) !== 0) {
    for (let i = s; i < e; i++) {
      const c = src[i]!
      out[at++] = c
      if (c === 0x22) out[at++] = 0x22
    }
  } else if (e - s > LOOP_COPY) {
    at += src.copy(out, at, s, e)
  } else {
    for (let i = s; i < e; i++) out[at++] = src[i]!
  }
  if (quote) out[at++] = 0x22
  return at
}
