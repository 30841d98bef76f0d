/** Identifiers as atproto spells them: TIDs, CIDs, post URIs and DIDs, written into a reused buffer. */
import * as crypto from "node:crypto"
import { Rng } from "./Random.js"
import { putByte, putBytes, take } from "./Scratch.js"

export const SORT32 = "234567abcdefghijklmnopqrstuvwxyz"
export const B32 = "abcdefghijklmnopqrstuvwxyz234567"

export const SORT32_CODES = Array.from(SORT32, (c) => c.charCodeAt(0))
export const B32_CODES = Array.from(B32, (c) => c.charCodeAt(0))

const tidBytes = new Uint8Array(13)

/** An atproto TID: 53 bits of microseconds then a 10-bit clock id, as 13 sortable base32 characters. */
export const tid = (micros: number, clock: number): string => {
  let v = micros
  for (let k = 10; k >= 0; k--) {
    const d = v % 32
    tidBytes[k] = SORT32_CODES[d]!
    v = (v - d) / 32
  }
  tidBytes[11] = SORT32_CODES[(clock >>> 5) & 31]!
  tidBytes[12] = SORT32_CODES[clock & 31]!
  putBytes(tidBytes)
  return take()
}

export const cidBytes = new Uint8Array(36)
/**
 * A CIDv1 in base32 multibase (`b` + RFC 4648 lower case, no padding) over a
 * sha-256 digest; codec 0x71 (dag-cbor) gives `bafyrei…`, 0x55 (raw) `bafkrei…`.
 */
export const cid = (codec: number, digest: Uint8Array): string => {
  cidBytes[0] = 0x01
  cidBytes[1] = codec
  cidBytes[2] = 0x12
  cidBytes[3] = 0x20
  cidBytes.set(digest, 4)
  putByte(98) // "b"
  let acc = 0
  let bits = 0
  for (let k = 0; k < 36; k++) {
    acc = ((acc << 8) | cidBytes[k]!) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      putByte(B32_CODES[(acc >>> bits) & 31]!)
    }
  }
  if (bits > 0) putByte(B32_CODES[(acc << (5 - bits)) & 31]!)
  return take()
}

export const digestBytes = new Uint8Array(32)
export const digestView = new DataView(digestBytes.buffer)
/** A record CID from random digest bytes (records are not hashed for real). */
export const randomRecordCid = (r: Rng): string => {
  for (let k = 0; k < 32; k += 4) digestView.setUint32(k, r.u32())
  return cid(0x71, digestBytes)
}

/** A blob CID (`bafkrei…`) from random digest bytes. */
export const randomBlobCid = (r: Rng): string => {
  for (let k = 0; k < 32; k += 4) digestView.setUint32(k, r.u32())
  return cid(0x55, digestBytes)
}

/** sha-256 of a string; `crypto.hash` (one-shot, faster) where Node has it (20.12+). */
export const sha256: (text: string) => Buffer =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "buffer")
    : (text) => crypto.createHash("sha256").update(text).digest()

export const uriPrefixes = new Map<string, string>()
/** `at://<did>/app.bsky.feed.post/<rkey>`, from a cached flat prefix. */
export const postUri = (did: string, rkey: string): string => {
  let p = uriPrefixes.get(did)
  if (p === undefined) {
    p = Buffer.from(`at://${did}/app.bsky.feed.post/`, "latin1").toString("latin1")
    uriPrefixes.set(did, p)
  }
  return p + rkey
}

/** `did:plc:` + 24 base32 characters derived from a key. */
export const plcDid = (k: number): string => {
  const r = new Rng(k)
  let s = "did:plc:"
  for (let j = 0; j < 24; j++) s += B32[r.int(32)]!
  return s
}

export const stringKey = (s: string): number => {
  let h = 0x811c9dc5
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193)
  return h >>> 0
}
