/**
 * The archive file's writes. Appended bytes are gathered into batches and
 * written in the background at their positions, a few batches in flight, so
 * reading and summing the next entry overlaps writing the last one. The data
 * is flushed to disk along the way, so the final fsync has little left to do.
 */
import type * as fs from "node:fs/promises"
import { codeOf, describe, Failure } from "./Failure.js"

/** Bytes gathered before they are written in one call. */
const BATCH_BYTES = 1024 * 1024
/** Bytes written but not yet done, at most (more waits). */
const IN_FLIGHT_BYTES = 8 * 1024 * 1024
/** Bytes written between two background flushes to disk. */
const FLUSH_BYTES = 64 * 1024 * 1024

/** Writes every byte of `buffers` at `position`, going on after a short write. */
const writeAt = async (handle: fs.FileHandle, buffers: ReadonlyArray<Uint8Array>, position: number): Promise<void> => {
  let rest = buffers
  let at = position
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest as Array<Uint8Array>, at)
    at += bytesWritten
    let left = bytesWritten
    let i = 0
    while (i < rest.length && left >= rest[i]!.length) left -= rest[i++]!.length
    rest = i === rest.length ? [] : [rest[i]!.subarray(left), ...rest.slice(i + 1)]
  }
}

export class Output {
  /** The end of what was appended (written or not). */
  offset = 0
  private queued: Array<Uint8Array> = []
  private queuedBytes = 0
  /** Called once the queued bytes are written (or will never be): their buffers can be used again. */
  private released: Array<() => void> = []
  private readonly inFlight = new Set<Promise<void>>()
  private inFlightBytes = 0
  private writtenBytes = 0
  private flushedAt = 0
  private flushing: Promise<unknown> = Promise.resolve()
  /** The first failed write or flush: nothing more can be written. */
  private broken: Failure | undefined

  constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle
  ) {}

  private fail(e: unknown, what = "write"): Failure {
    return (this.broken ??= new Failure(`cannot ${what} ${this.file}: ${describe(e)}`, codeOf(e), false))
  }

  check(): void {
    if (this.broken !== undefined) throw this.broken
  }

  /** Adds bytes at the end; they are written in the background, then `release` is called. */
  async append(buffers: ReadonlyArray<Uint8Array>, release?: () => void): Promise<void> {
    if (release !== undefined) this.released.push(release)
    this.check()
    for (const b of buffers) {
      if (b.length === 0) continue
      this.queued.push(b)
      this.queuedBytes += b.length
      this.offset += b.length
    }
    if (this.queuedBytes >= BATCH_BYTES) await this.issue()
  }

  /** One batch's write; a failure marks the file broken, a success may start a background flush. */
  private async write(batch: ReadonlyArray<Uint8Array>, position: number): Promise<void> {
    let bytes = 0
    for (const b of batch) bytes += b.length
    try {
      await writeAt(this.handle, batch, position)
    } catch (e) {
      this.fail(e)
      return
    }
    this.writtenBytes += bytes
    if (this.writtenBytes - this.flushedAt >= FLUSH_BYTES) {
      this.flushedAt = this.writtenBytes
      this.flushing = this.flushing.then(() => this.handle.datasync()).catch((e: unknown) => this.fail(e, "flush"))
    }
  }

  /** Starts writing what is gathered; waits while too much is in flight. */
  private async issue(): Promise<void> {
    if (this.queuedBytes > 0) {
      const batch = this.queued
      const bytes = this.queuedBytes
      const released = this.released
      this.queued = []
      this.queuedBytes = 0
      this.released = []
      this.inFlightBytes += bytes
      const writing: Promise<void> = this.write(batch, this.offset - bytes).finally(() => {
        this.inFlightBytes -= bytes
        this.inFlight.delete(writing)
        for (const release of released) release()
      })
      this.inFlight.add(writing)
    }
    while (this.inFlightBytes > IN_FLIGHT_BYTES) await Promise.race(this.inFlight)
    this.check()
  }

  /** Writes what is gathered and waits for every write. */
  private async drain(): Promise<void> {
    await this.issue()
    await Promise.all(this.inFlight)
    this.check()
  }

  /** Writes `bytes` again at `position` (a header whose CRC and sizes are now known). */
  async rewrite(bytes: Uint8Array, position: number): Promise<void> {
    await this.drain()
    await writeAt(this.handle, [bytes], position).catch((e) => {
      throw this.fail(e)
    })
  }

  /** Takes back everything from `start` on. */
  async cutOff(start: number): Promise<void> {
    await this.drain().catch(() => undefined)
    this.offset = start
    await this.handle.truncate(start).catch((e) => this.fail(e))
  }

  /** Writes everything, flushes it to disk and closes the file; returns its size. */
  async finish(): Promise<number> {
    await this.drain()
    await this.flushing
    this.check()
    await this.handle.sync().catch((e) => {
      throw this.fail(e, "flush")
    })
    await this.handle.close().catch((e) => {
      throw this.fail(e, "close")
    })
    return this.offset
  }

  /** Waits for the writes in flight and closes the file, whatever happened. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.inFlight)
    await this.handle.close().catch(() => undefined)
  }
}
