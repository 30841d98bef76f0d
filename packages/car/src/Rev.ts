/**
 * The times an import stamps on its rows. A repository holds no
 * `indexed_at` or `archived_at`; both are set to the time of the commit the
 * CAR was exported at (its `rev`, a TID: microseconds since the epoch), so
 * importing the same CAR twice writes the same rows. A commit without a
 * usable rev falls back to the import's own time.
 */
import type { Stamps } from "./PostRecord.js"

const SORT32 = "234567abcdefghijklmnopqrstuvwxyz"

/** The microseconds a TID encodes, or undefined when `rev` is not a TID. */
export const micros = (rev: string): number | undefined => {
  if (!/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(rev)) return undefined
  let v = 0n
  for (const c of rev) v = v * 32n + BigInt(SORT32.indexOf(c))
  return Number(v >> 10n)
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

export const stamps = (rev: string, now: Date): Stamps => {
  const us = micros(rev)
  const d = us === undefined ? now : new Date(Math.floor(us / 1000))
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  // indexed_at as the Bluesky API writes times; archived_at as SQLite's CURRENT_TIMESTAMP, like bskyarchive.
  return { indexedAt: `${date}T${time}.${pad(d.getUTCMilliseconds(), 3)}Z`, archivedAt: `${date} ${time}` }
}
