/** created_at, indexed_at and archived_at texts, in the spellings archives hold. */
import { put2, put3, putAscii, putByte, putBytes, take } from "./Scratch.js"
import { SPAN_END, SPAN_START } from "./Options.js"
import { key, Rng, S_SESSION } from "./Random.js"

export const START_US = Date.parse(SPAN_START) * 1000
export const SPAN_US = Date.parse(SPAN_END) * 1000 - START_US

export type Spelling = "ms" | "s0" | "us6" | "ns9" | "sqlite" | "sqliteMs" | "offset" | "utcOffset"

export const OFFSETS: ReadonlyArray<readonly [string, number]> = [
  ["+05:30", 330],
  ["-07:00", -420],
  ["+09:00", 540],
  ["-03:30", -210],
  ["+01:00", 60]
]

export const DAY_MS = 86_400_000

/** `YYYY-MM-DD` of a day number as bytes, cached (the generator touches a few thousand days). */
export const dayBytes = new Map<number, Uint8Array>()
export const putDay = (day: number): void => {
  let b = dayBytes.get(day)
  if (b === undefined) {
    b = Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, 10), "latin1")
    dayBytes.set(day, b)
  }
  putBytes(b)
}

/** Writes `YYYY-MM-DD` + sep + `HH:MM:SS`, and `.sss` when `millis` is set, of an instant in ms. */
export const putCivil = (ms: number, sep: number, millis: boolean): void => {
  const day = Math.floor(ms / DAY_MS)
  let rest = ms - day * DAY_MS
  const milli = rest % 1000
  rest = (rest - milli) / 1000
  const sec = rest % 60
  rest = (rest - sec) / 60
  const min = rest % 60
  putDay(day)
  putByte(sep)
  put2((rest - min) / 60)
  putByte(58)
  put2(min)
  putByte(58)
  put2(sec)
  if (millis) {
    putByte(46)
    put3(milli)
  }
}

export const T = 84
export const SPACE = 32
export const Z = 90

/** Formats an instant (µs since the epoch) in one spelling; `extra` gives the last digits of `ns9` and picks the offset. */
export const formatTime = (us: number, spelling: Spelling, extra: number): string => {
  const ms = Math.floor(us / 1000)
  switch (spelling) {
    case "ms":
      putCivil(ms, T, true)
      putByte(Z)
      break
    case "s0":
      putCivil(ms, T, false)
      putByte(Z)
      break
    case "us6":
      putCivil(ms, T, true)
      put3(us - ms * 1000)
      putByte(Z)
      break
    case "ns9":
      putCivil(ms, T, true)
      put3(us - ms * 1000)
      put3(extra % 1000)
      putByte(Z)
      break
    case "sqlite":
      putCivil(ms, SPACE, false)
      break
    case "sqliteMs":
      putCivil(ms, SPACE, true)
      break
    case "utcOffset":
      putCivil(ms, T, true)
      putAscii("+00:00")
      break
    case "offset": {
      const [text, minutes] = OFFSETS[extra % OFFSETS.length]!
      putCivil(ms + minutes * 60000, T, extra % 2 === 0)
      putAscii(text)
      break
    }
  }
  return take()
}

export const drawSpelling = (r: Rng): Spelling => {
  const x = r.next()
  return x < 0.86
    ? "ms"
    : x < 0.91
      ? "s0"
      : x < 0.94
        ? "us6"
        : x < 0.96
          ? "ns9"
          : x < 0.975
            ? "sqlite"
            : x < 0.98
              ? "sqliteMs"
              : x < 0.995
                ? "offset"
                : "utcOffset"
}

/** Archiving sessions: every 14 days, a few hours after the period ends; all posts of a period share archived_at. */
export const SESSION_US = 14 * 86400 * 1_000_000
export const sessionText = (seed: number, session: number): string => {
  const r = new Rng(key(seed, S_SESSION, session))
  const at = START_US + (session + 1) * SESSION_US + r.range(3600, 7 * 3600) * 1_000_000
  return formatTime(at, r.chance(0.8) ? "sqlite" : r.chance(0.5) ? "ms" : "offset", r.u32())
}

export const indexedAt = (r: Rng, us: number): string => {
  const at = us + r.range(500, 120_000) * 1000 + r.int(1000)
  const x = r.next()
  return formatTime(at, x < 0.95 ? "ms" : x < 0.97 ? "us6" : x < 0.985 ? "sqlite" : "offset", r.u32())
}
