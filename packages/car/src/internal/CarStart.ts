/**
 * Whether a file's first bytes can start a CAR file: a varint (the header's
 * length), then the DAG-CBOR map it announces, whose first key is `roots`
 * (CAR version 1) or `version` (the version 2 pragma). A file that cannot
 * start so is not a CAR; one that starts so and ends is truncated.
 */

/** Bytes enough to decide: a varint of at most 4 bytes, the map's head, its first key. */
export const PROBE_BYTES = 16

/** A CAR header longer than this (a varint of more than 4 bytes) is not one: a repository's has one root. */
const MAX_LENGTH_BYTES = 4

const key = (name: string) => [0x60 + name.length, ...Buffer.from(name, "ascii")]
const FIRST_KEYS = [key("roots"), key("version")]

export type Start = "car" | "truncated" | "not_car"

/** `head`: the file's first bytes (up to `PROBE_BYTES`); `size`: the file's whole length. */
export const classify = (head: Uint8Array, size: number): Start => {
  const ended = (at: number) => (at >= head.length && head.length >= size ? "truncated" : "not_car")
  let at = 0
  let length = 0
  for (let scale = 1; ; scale *= 128, at++) {
    if (at >= head.length) return ended(at)
    if (at >= MAX_LENGTH_BYTES) return "not_car"
    length += (head[at]! & 0x7f) * scale
    if (head[at]! < 0x80) break
  }
  at++
  if (length < 1 + FIRST_KEYS[0]!.length) return "not_car"
  if (at >= head.length) return ended(at)
  // A map (CBOR major type 5) of 1 to 23 entries: the count in its first byte, the first key next.
  if (head[at]! < 0xa1 || head[at]! > 0xb7) return "not_car"
  at++
  const candidates = FIRST_KEYS.filter((k) => {
    for (let i = 0; i < k.length; i++) {
      if (at + i >= head.length) return true
      if (head[at + i] !== k[i]) return false
    }
    return true
  })
  if (candidates.length === 0) return "not_car"
  return candidates.some((k) => at + k.length <= head.length) ? "car" : ended(head.length)
}

/** The first bytes, in hex, for a message: `6a 75 6e 6b 21`. */
export const hex = (head: Uint8Array, count = 8): string =>
  Buffer.from(head.subarray(0, count))
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ")
