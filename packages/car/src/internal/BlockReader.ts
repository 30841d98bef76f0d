/**
 * Reads blocks back from the CAR file by offset through a few read-ahead
 * windows. A walk asks for tree nodes and records in turn, and a CAR
 * usually stores each kind in runs (nodes together, records in key order),
 * so each run gets a window of its own: a request just past a window's end
 * refills that window with a long read; any other request reads little more
 * than its block, so random access does not read megabytes per block.
 */
import { readSync } from "node:fs"

const WINDOWS = 4
const SEQUENTIAL = 256 * 1024
const RANDOM = 4 * 1024
/** How far past a window's end a request still counts as the run going on. */
const NEAR = 64 * 1024

interface Window {
  buffer: Buffer
  start: number
  end: number
  used: number
}

export class BlockReader {
  private readonly windows: Array<Window> = []
  private tick = 0

  constructor(private readonly fd: number) {}

  read(offset: number, length: number): Uint8Array {
    this.tick++
    let near: Window | undefined
    for (const w of this.windows) {
      if (offset >= w.start && offset + length <= w.end) {
        w.used = this.tick
        return w.buffer.subarray(offset - w.start, offset - w.start + length)
      }
      if (offset >= w.end && offset - w.end < NEAR) near = w
    }
    const size = Math.max(length, near === undefined ? RANDOM : SEQUENTIAL)
    const buffer = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < length) {
      const n = readSync(this.fd, buffer, filled, size - filled, offset + filled)
      if (n === 0) throw new Error(`the file shrank while it was read (at byte ${offset + filled})`)
      filled += n
    }
    // Blocks handed out earlier keep their bytes: a window is replaced, never overwritten.
    const window: Window = { buffer, start: offset, end: offset + filled, used: this.tick }
    if (near !== undefined) this.windows[this.windows.indexOf(near)] = window
    else if (this.windows.length < WINDOWS) this.windows.push(window)
    else {
      let oldest = 0
      for (let i = 1; i < this.windows.length; i++) if (this.windows[i]!.used < this.windows[oldest]!.used) oldest = i
      this.windows[oldest] = window
    }
    return buffer.subarray(0, length)
  }
}
