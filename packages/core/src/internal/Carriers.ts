import type { Chunk } from "../FormatPlugin.js"

/** Initial carrier size: a batch of ordinary posts fits. */
const CARRIER_BYTES = 2 * 1024 * 1024

/**
 * Shared buffers that carry encoded bytes to the main thread and come back
 * with each credit once written: allocated once, not per batch. Shared rather
 * than transferred: detaching any buffer makes V8 drop every function
 * optimized on typed arrays in that thread, and compile them again slower.
 */
export class Carriers {
  private readonly free: Array<SharedArrayBuffer> = []

  give(buffer: SharedArrayBuffer): void {
    this.free.push(buffer)
  }

  /** A carrier holding `chunk` (text as UTF-8), and the length of its bytes. */
  fill(chunk: Chunk): Uint8Array {
    const length = typeof chunk === "string" ? Buffer.byteLength(chunk, "utf8") : chunk.byteLength
    let buffer = this.free.pop()
    if (buffer === undefined || buffer.byteLength < length) {
      buffer = new SharedArrayBuffer(Math.max(length, 2 * (buffer?.byteLength ?? 0), CARRIER_BYTES))
    }
    const target = Buffer.from(buffer, 0, length)
    if (typeof chunk === "string") target.write(chunk, 0, "utf8")
    else target.set(chunk)
    return target
  }
}
