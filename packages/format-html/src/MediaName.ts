/**
 * The name an image has in an export's `media/` folder, worked out from the
 * image's URL in `embed_data`.
 *
 * bskyarchive stores each image as `<sha-256 in hex>.<png|jpg>` (the media
 * row's `hash`), and an export copies it under that basename. A Bluesky image
 * URL ends in the blob's CID and its format (`…/bafkrei…@jpeg`); the CID of a
 * blob is a CIDv1 whose multihash is that same sha-256, so the file name
 * follows from the URL alone, without reading the archive.
 */

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

/** Bytes of RFC 4648 base32 text (lowercase, no padding); undefined when it is not. */
const base32 = (text: string): Uint8Array | undefined => {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let bits = 0
  let value = 0
  let n = 0
  for (const c of text) {
    const digit = BASE32.indexOf(c)
    if (digit < 0) return undefined
    value = (value << 5) | digit
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (value >>> bits) & 0xff
    }
  }
  return out
}

// CIDv1 (0x01), raw codec (0x55), sha2-256 (0x12) of 32 bytes (0x20).
const PREFIX = [0x01, 0x55, 0x12, 0x20]

/** The sha-256 in hex that a blob CID (`bafkrei…`) names; undefined for any other text. */
export const cidDigest = (cid: string): string | undefined => {
  if (!cid.startsWith("b") || cid.length !== 59) return undefined
  const bytes = base32(cid.slice(1))
  if (bytes === undefined || bytes.length !== 36 || PREFIX.some((b, i) => bytes[i] !== b)) return undefined
  return Buffer.from(bytes.subarray(4)).toString("hex")
}

const EXTENSIONS = new Map([
  ["jpeg", "jpg"],
  ["jpg", "jpg"],
  ["png", "png"],
  ["", "jpg"]
])

/**
 * `media/<name>` for an image URL whose last segment is a blob CID with an
 * optional `@jpeg` / `@png` format, as bskyarchive names the file; "" for
 * any other URL (the page then shows the image's description instead).
 */
export const mediaPath = (url: unknown): string => {
  if (typeof url !== "string") return ""
  const last = url.slice(url.lastIndexOf("/") + 1)
  const at = last.indexOf("@")
  const digest = cidDigest(at < 0 ? last : last.slice(0, at))
  const extension = EXTENSIONS.get(at < 0 ? "" : last.slice(at + 1))
  return digest === undefined || extension === undefined ? "" : `media/${digest}.${extension}`
}
