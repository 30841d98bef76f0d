/**
 * A growable byte buffer for format plugins that write a batch straight as
 * bytes. Building each post as a string and encoding it afterwards made most
 * of an export's garbage: ropes of dozens of pieces per post, flattened once
 * more to be encoded. Writing bytes as the values come skips both.
 *
 * One writer per sink, reset for every batch: the core is done with a
 * returned chunk before it calls the sink again, so `view()` may be returned
 * as the batch's chunk without a copy.
 */
export class ByteWriter {
  buffer: Buffer = Buffer.allocUnsafe(0)
  length = 0

  /** Starts a new batch; the buffer is kept. */
  reset(): void {
    this.length = 0
  }

  /** The buffer, with room for `n` more bytes after `length`. */
  reserve(n: number): Buffer {
    const need = this.length + n
    if (need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length, 1 << 20))
      this.buffer.copy(grown, 0, 0, this.length)
      this.buffer = grown
    }
    return this.buffer
  }

  /** Appends one byte. */
  byte(b: number): void {
    this.reserve(1)[this.length++] = b
  }

  /** Appends bytes (short constants: a loop beats a native call here). */
  bytes(b: Uint8Array): void {
    const buffer = this.reserve(b.length)
    let at = this.length
    for (let i = 0; i < b.length; i++) buffer[at++] = b[i]!
    this.length = at
  }

  /**
   * Appends `s` one byte per UTF-16 unit when every unit is below 0x80, and
   * returns true; otherwise appends nothing and returns false.
   */
  ascii(s: string): boolean {
    const buffer = this.reserve(s.length)
    let at = this.length
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7f) return false
      buffer[at++] = c
    }
    this.length = at
    return true
  }

  /** Appends any text as UTF-8 (a lone surrogate becomes U+FFFD, as `Buffer.from` writes it). */
  utf8(s: string): void {
    this.reserve(3 * s.length)
    this.length += this.buffer.write(s, this.length)
  }

  /** The bytes written since the last reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }
}

/** Text as bytes, once: keys, separators and other constants of a format. */
export const constant = (s: string): Uint8Array => Buffer.from(s, "utf8")
