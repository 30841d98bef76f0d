/**
 * Timestamp cells from stored bytes: what `Encoder.makePost` writes for
 * `Timestamp.decode(text)`, RFC 3339 truncated to whole seconds, for the
 * spellings `TimestampBytes` reads from bytes.
 */
import type * as Timestamp from "@skyporter/core/Timestamp"
import { UTC } from "@skyporter/core/TimestampBytes"

/** The longest cell: `YYYY-MM-DDTHH:MM:SS±HH:MM`. */
export const CELL_BYTES = 25

/** Writes the cell of a usual spelling (`offset` from `TimestampBytes.usual`) at `at`; returns its end. */
export const writeUsual = (out: Uint8Array, at: number, b: Uint8Array, s: number, offset: number): number => {
  for (let i = 0; i < 19; i++) out[at++] = b[s + i]!
  out[at - 9] = 0x54
  if (offset === UTC) out[at++] = 0x5a
  else for (let i = 0; i < 6; i++) out[at++] = b[offset + i]!
  return at
}

/** Writes a valid decoded timestamp's cell (ASCII: digits, `-`, `:`, `T`, `Z`, `+`) at `at`; returns its end. */
export const writeDecoded = (out: Uint8Array, at: number, t: Timestamp.Timestamp): number => {
  const cell = t.seconds + t.offset
  for (let i = 0; i < cell.length; i++) out[at++] = cell.charCodeAt(i)
  return at
}
