/**
 * Small, valid image files made in code, for synthetic media: a 16×16 PNG and
 * an 8×8 baseline JPEG of one colour derived from a label, which each file
 * also carries as a comment — so every label gives different bytes, and the
 * same label always the same bytes.
 */
import { createHash } from "node:crypto"
import { deflateSync } from "node:zlib"

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 (ISO-HDLC), as PNG chunks carry it. */
const crc32 = (data: Uint8Array): number => {
  let c = 0xffffffff
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Three colour bytes derived from a label. */
const colour = (label: string): Buffer => createHash("sha256").update(label).digest().subarray(0, 3)

const chunk = (type: string, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, "latin1")
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const PNG_SIZE = 16

/** A 16×16 RGB PNG of one colour, with `label` in a tEXt chunk. */
export const png = (label: string): Buffer => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(PNG_SIZE, 0)
  header.writeUInt32BE(PNG_SIZE, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  const rgb = colour(label)
  // Each scanline: filter type 0, then the pixels.
  const row = Buffer.concat([Buffer.from([0]), ...Array.from({ length: PNG_SIZE }, () => rgb)])
  const pixels = Buffer.concat(Array.from({ length: PNG_SIZE }, () => row))
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", header),
    chunk("tEXt", Buffer.from(`Comment\0${label}`, "latin1")),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0))
  ])
}

const segment = (marker: number, data: Uint8Array): Buffer => {
  const head = Buffer.from([0xff, marker, 0, 0])
  head.writeUInt16BE(data.length + 2, 2)
  return Buffer.concat([head, data])
}

/** A Huffman table (class `tc`, id 0) holding one symbol with the one-bit code `0`. */
const oneSymbolTable = (tc: number, symbol: number): Buffer =>
  segment(0xc4, Buffer.from([tc << 4, 1, ...Array(15).fill(0), symbol]))

/**
 * An 8×8 greyscale baseline JPEG of one grey level, with `label` in a COM
 * segment. Quantization is all ones, so the block's DC coefficient is 8 × (grey
 * − 128); its Huffman tables hold just the DC size category and end-of-block.
 */
export const jpeg = (label: string): Buffer => {
  const dc = 8 * (colour(label)[0]! - 128)
  const size = dc === 0 ? 0 : Math.floor(Math.log2(Math.abs(dc))) + 1
  // The DC difference: code 0 for its category, `size` bits of the value (negatives as value − 1), then end-of-block (code 0).
  const bits =
    "0" + (size === 0 ? "" : ((dc < 0 ? dc - 1 : dc) & ((1 << size) - 1)).toString(2).padStart(size, "0")) + "0"
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, "1")
  const scan: Array<number> = []
  for (let i = 0; i < padded.length; i += 8) {
    const byte = parseInt(padded.slice(i, i + 8), 2)
    scan.push(byte)
    if (byte === 0xff) scan.push(0) // byte stuffing
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]), // SOI
    segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])), // APP0 JFIF 1.01
    segment(0xfe, Buffer.from(label, "latin1")), // COM
    segment(0xdb, Buffer.from([0, ...Array(64).fill(1)])), // DQT 0, all ones
    segment(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0])), // SOF0: 8 bits, 8×8, one component
    oneSymbolTable(0, size), // DC
    oneSymbolTable(1, 0), // AC: end of block
    segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), // SOS
    Buffer.from(scan),
    Buffer.from([0xff, 0xd9]) // EOI
  ])
}
