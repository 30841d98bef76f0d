/** The catalog: one forced case each, placed at evenly spaced main-DID indexes. */
import type { Spelling } from "./Timestamps.js"

export const CATALOG = [
  "long",
  "emoji",
  "zwj",
  "cjk",
  "rtl",
  "lf",
  "crlf",
  "cr",
  "eq",
  "plus",
  "minus",
  "at",
  "quotes",
  "commas",
  "empty",
  "odd",
  "img1",
  "img4",
  "extThumb",
  "extNoThumb",
  "record",
  "recordNotFound",
  "rwmImages",
  "rwmVideo",
  "rwmExternal",
  "video",
  "mediaNull",
  "embedNullText",
  "labelsEmpty",
  "labelsArray",
  "labelsNull",
  "count31",
  "count32",
  "count53",
  "count63",
  "replySelf",
  "replyExternal",
  "replyNoParent",
  "parentNoReply",
  "s0",
  "us6",
  "ns9",
  "sqlite",
  "offset"
] as const
export type Force = (typeof CATALOG)[number]

/** Posts needed for every catalog case to occur. */
export const CATALOG_SIZE = CATALOG.length

export const FORCED_SPELLING: Partial<Record<Force, Spelling>> = {
  s0: "s0",
  us6: "us6",
  ns9: "ns9",
  sqlite: "sqlite",
  offset: "offset"
}

export const catalogFor = (n: number): Map<number, Force> => {
  const m = new Map<number, Force>()
  const c = CATALOG.length
  for (let j = 0; j < c; j++) {
    if (n >= c) m.set(Math.floor(((2 * j + 1) * n) / (2 * c)), CATALOG[j]!)
    else if (j < n) m.set(j, CATALOG[j]!)
  }
  return m
}
