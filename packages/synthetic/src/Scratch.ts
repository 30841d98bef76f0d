/**
 * Short ASCII strings are written byte by byte into a scratch buffer and read
 * out once: a flat string, where `+` would build a rope that SQLite's binding
 * must flatten later at a much higher cost.
 */
const SCRATCH = Buffer.alloc(256)
let pos = 0

export const putByte = (b: number): void => {
  SCRATCH[pos++] = b
}
export const putBytes = (b: Uint8Array): void => {
  SCRATCH.set(b, pos)
  pos += b.length
}
export const putAscii = (t: string): void => {
  for (let k = 0; k < t.length; k++) SCRATCH[pos++] = t.charCodeAt(k)
}
export const put2 = (n: number): void => {
  SCRATCH[pos++] = 48 + ((n / 10) | 0)
  SCRATCH[pos++] = 48 + (n % 10)
}
export const put3 = (n: number): void => {
  SCRATCH[pos++] = 48 + ((n / 100) | 0)
  put2(n % 100)
}
export const take = (): string => {
  const t = SCRATCH.toString("latin1", 0, pos)
  pos = 0
  return t
}
