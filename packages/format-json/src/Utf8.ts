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

/** Runs at least this long are copied natively; shorter ones byte by byte (the call costs more). */
const COPY_FROM = 48

const copy = Buffer.prototype.copy

/**
 * Copies the run of PLAIN bytes of `bytes` from `i` (before `end`) to
 * `buffer` at `at`; returns where the run ends (it took `end - i` bytes of
 * `buffer`). The scan stores nothing, so a long run costs one native copy.
 */
export const copyPlain = (buffer: Uint8Array, at: number, bytes: Uint8Array, i: number, end: number): number => {
  let j = i
  while (j < end && PLAIN[bytes[j]!] === 1) j++
  // Buffer's copy takes any Uint8Array and allocates no view (`subarray` made one per run).
  if (j - i >= COPY_FROM) copy.call(bytes, buffer, at, i, j)
  else for (let k = i; k < j; k++) buffer[at + k - i] = bytes[k]!
  return j
}
