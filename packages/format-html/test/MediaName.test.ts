import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { cidDigest, mediaPath } from "../src/MediaName.js"

/** A raw-codec CIDv1 of sha-256 bytes in base32, written out independently of the code under test. */
const blobCid = (digest: Buffer): string => {
  const bytes = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest])
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
  let bits = ""
  for (const b of bytes) bits += b.toString(2).padStart(8, "0")
  let out = "b"
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)]
  return out
}

describe("mediaPath", () => {
  const digest = createHash("sha256").update("an image").digest()
  const cid = blobCid(digest)
  const hex = digest.toString("hex")

  it("names the file bskyarchive stores: the sha-256 of the blob, with the format's extension", () => {
    expect(cidDigest(cid)).toBe(hex)
    expect(mediaPath(`https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:x/${cid}@jpeg`)).toBe(`media/${hex}.jpg`)
    expect(mediaPath(`https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:x/${cid}@png`)).toBe(`media/${hex}.png`)
    expect(mediaPath(`https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:x/${cid}`)).toBe(`media/${hex}.jpg`)
  })

  it("names nothing for anything else", () => {
    for (const url of [
      null,
      42,
      "",
      "no-slash",
      `https://x/${cid}@webp`,
      `https://x/${cid}@constructor`,
      `https://x/${cid}@__proto__`,
      "https://x/bafkreiimg1@jpeg",
      `https://x/${cid.slice(0, -1)}A@jpeg`,
      `https://x/${cid}x`,
      "https://x/../../etc/passwd",
      `https://x/${blobCid(digest).replace("bafkrei", "bafyrei")}`
    ])
      expect(mediaPath(url)).toBe("")
  })
})
