/**
 * Well-formed UTF-8 in stored bytes. Stored text is not checked by SQLite;
 * the core decodes ill-formed bytes with replacement characters, so a writer
 * that copies bytes must know which ones it may copy.
 */

/**
 * The length (2–4) of the well-formed UTF-8 sequence that starts with the
 * non-ASCII byte at `i` and ends before `end`; 0 when there is none there
 * (a stray continuation byte, an overlong form, a surrogate, a code point
 * past U+10FFFF, or a sequence cut short).
 */
export const sequence = (bytes: Uint8Array, i: number, end: number): number => {
  const c = bytes[i]!
  if (c < 0xc2) return 0
  if (c < 0xe0) return i + 1 < end && (bytes[i + 1]! & 0xc0) === 0x80 ? 2 : 0
  if (c < 0xf0) {
    if (i + 2 >= end) return 0
    const c1 = bytes[i + 1]!
    // E0 A0.. excludes overlongs; ED ..9F excludes surrogates.
    return c1 >= (c === 0xe0 ? 0xa0 : 0x80) && c1 <= (c === 0xed ? 0x9f : 0xbf) && (bytes[i + 2]! & 0xc0) === 0x80
      ? 3
      : 0
  }
  if (c < 0xf5) {
    if (i + 3 >= end) return 0
    const c1 = bytes[i + 1]!
    // F0 90.. excludes overlongs; F4 ..8F stops at U+10FFFF.
    return c1 >= (c === 0xf0 ? 0x90 : 0x80) &&
      c1 <= (c === 0xf4 ? 0x8f : 0xbf) &&
      (bytes[i + 2]! & 0xc0) === 0x80 &&
      (bytes[i + 3]! & 0xc0) === 0x80
      ? 4
      : 0
  }
  return 0
}

/** Bytes written as they are inside a JSON string: printable ASCII other than `"` and `\`. */
export const PLAIN = new Uint8Array(256)
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1

/** Whether any of the four bytes of `w` is not PLAIN: at or above 0x80, below 0x20, `"` or `\`. */
const notPlain = (w: number): boolean => {
  const quote = w ^ 0x22222222
  const backslash = w ^ 0x5c5c5c5c
  // Per byte, bit 7 of `x - 0x01` (or `- 0x20`) and not of `x` marks x = 0 (or x < 0x20) for
  // x < 0x80; a borrow past such a byte marks more only where one is marked already.
  const below = ((w - 0x20202020) | 0) & ~w
  const zeros = (((quote - 0x01010101) | 0) & ~quote) | (((backslash - 0x01010101) | 0) & ~backslash)
  return ((w | below | zeros) & 0x80808080) !== 0
}

const NONE = new Uint8Array(0)

/** The views of the last arrays seen: a batch's bytes and a writer's buffer stay the same for many calls. */
let from: Uint8Array = NONE
let fromView: DataView = new DataView(NONE.buffer)
let to: Uint8Array = NONE
let toView: DataView = fromView

const viewOf = (array: Uint8Array): DataView => new DataView(array.buffer, array.byteOffset, array.byteLength)

/**
 * Copies the run of PLAIN bytes of `bytes` from `i` (before `end`) to
 * `buffer` at `at`; returns where the run ends (it took `end - i` bytes of
 * `buffer`). Four bytes are tested and copied at a time: a native copy per
 * run costs a call (and on Node 20 a view) for runs that are mostly short.
 */
export const copyPlain = (buffer: Uint8Array, at: number, bytes: Uint8Array, i: number, end: number): number => {
  if (bytes !== from) {
    from = bytes
    fromView = viewOf(bytes)
  }
  if (buffer !== to) {
    to = buffer
    toView = viewOf(buffer)
  }
  const shift = at - i
  let j = i
  for (; j + 4 <= end; j += 4) {
    const w = fromView.getInt32(j, true)
    if (notPlain(w)) break
    toView.setInt32(j + shift, w, true)
  }
  for (; j < end && PLAIN[bytes[j]!] === 1; j++) buffer[j + shift] = bytes[j]!
  return j
}
