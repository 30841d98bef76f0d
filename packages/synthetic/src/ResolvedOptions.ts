/** Seed options checked and resolved: defaults filled in, the other DIDs derived. */
import { plcDid, stringKey } from "./Identifiers.js"
import { DEFAULT_DID, type SeedOptions } from "./Options.js"
import { key, S_NAMES } from "./Random.js"

export interface Resolved {
  readonly posts: number
  readonly did: string
  readonly seed: number
  readonly otherDids: ReadonlyArray<string>
  readonly otherPosts: number
}

export const MAX_POSTS = 100_000_000

export const checkCount = (name: string, v: unknown, max: number): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`${name} must be an integer from 0 to ${max}; got ${String(v)}`)
  }
  return v
}

export const DID_SHAPE = /^did:[a-z]+:[A-Za-z0-9._:%-]+$/

/** Other DIDs: main + "2", main in another letter case, then unrelated did:plc DIDs derived from main. */
export const derivedDids = (main: string, count: number): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<string>([main])
  const add = (d: string) => {
    if (out.length < count && !seen.has(d)) {
      seen.add(d)
      out.push(d)
    }
  }
  add(main + "2")
  const colon = main.lastIndexOf(":")
  const head = main.slice(0, colon + 1)
  const tail = main.slice(colon + 1)
  add(head + (tail.toUpperCase() !== tail ? tail.toUpperCase() : tail.toLowerCase()))
  for (let k = 0; out.length < count; k++) add(plcDid(key(stringKey(main), S_NAMES, k)))
  return out
}

export const resolve = (o: SeedOptions): Resolved => {
  if (o === null || typeof o !== "object") throw new Error("seed options must be an object")
  const posts = checkCount("posts", o.posts, MAX_POSTS)
  const did = o.did ?? DEFAULT_DID
  if (typeof did !== "string" || !DID_SHAPE.test(did)) {
    throw new Error(`did must look like did:method:id; got ${String(did)}`)
  }
  const seed = o.seed ?? 1
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new Error(`seed must be a safe integer; got ${String(seed)}`)
  }
  const nOther = checkCount("otherDids", o.otherDids ?? 3, 1000)
  const otherPosts = checkCount(
    "otherPosts",
    o.otherPosts ?? Math.min(10_000, Math.max(10, Math.floor(posts / 100))),
    MAX_POSTS
  )
  return {
    posts,
    did,
    seed: (Math.floor(seed / 4294967296) ^ seed) >>> 0,
    otherDids: derivedDids(did, nOther),
    otherPosts
  }
}
