/**
 * A ZIP archive written entry by entry straight into a file: each entry's
 * bytes are read once, CRC-32 and SHA-256 are taken of them on the way
 * (zlib's and OpenSSL's native code) and they are written once. Writes go
 * out in the background, batched, while the next entry is read; the local
 * headers carry the CRC and sizes (a large entry's header is written again
 * in place after its data), so there are no data descriptors. A failed entry
 * is cut off again: the archive goes on as if it had never been started.
 */
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import * as fs from "node:fs/promises"
import { pipeline } from "node:stream/promises"
import { promisify } from "node:util"
import { createDeflateRaw, deflateRaw } from "node:zlib"
import { codeOf, describe, Failure, guard } from "./Failure.js"
import { Output } from "./Output.js"
import * as Records from "./Records.js"

/** Entries up to this size are read whole, then written with their header in one go. */
const WHOLE_BYTES = 1024 * 1024
/** Pooled read buffers kept: enough for the writes in flight and the next file. */
const POOL_BUFFERS = 16
/** A larger file's read size. */
const CHUNK_BYTES = 1024 * 1024
/** Room for deflate to grow data that does not compress, when choosing ZIP64 sizes. */
const DEFLATE_HEADROOM = 16 * 1024 * 1024
/** Deflate's output buffers. */
const DEFLATE_OUT_BYTES = 256 * 1024
/** Central directory headers written per batch. */
const CENTRAL_BATCH = 4096

const deflateBytes = promisify(deflateRaw)

export interface EntryOptions {
  readonly mtime: Date
  readonly mode: number
  readonly deflate: boolean
}

/** What went into an entry: its uncompressed length and SHA-256. */
export interface Written {
  readonly bytes: number
  readonly sha256: string
}

const changed = (name: string, actual: number, expected: number) =>
  new Failure(
    `${name} has ${actual > expected ? "more than" : "only"} ${actual} bytes, not the ${expected} expected: ` +
      "it changed while it was added",
    undefined,
    true
  )

export class ArchiveFile {
  private readonly records: Array<Records.EntryRecord> = []
  /** Read buffers whose bytes are written, to read the next files into (fewer garbage collections). */
  private readonly pool: Array<Buffer> = []
  /** Settles when the last entry asked for is in the archive (or failed). */
  private last: Promise<void> = Promise.resolve()
  closed = false

  private constructor(
    readonly file: string,
    private readonly output: Output
  ) {}

  /** A new archive file (it must not exist). */
  static create = async (file: string): Promise<ArchiveFile> =>
    new ArchiveFile(file, new Output(file, await guard(`cannot create ${file}`, false, () => fs.open(file, "wx"))))

  /**
   * Takes the next place in the archive: entries go in in the order their
   * calls began, while the files of later ones are already read and summed.
   * `ready` settles on this entry's turn; `done` ends it.
   */
  private place(): { readonly ready: Promise<void>; readonly done: () => void } {
    const ready = this.last
    let done!: () => void
    const mine = new Promise<void>((resolve) => (done = resolve))
    // The next entry waits for this one and every one before it, even if this one ends early.
    this.last = Promise.all([ready, mine]).then(() => undefined)
    return { ready, done }
  }

  /** Runs `f` in the entry's turn, once what comes before it is in. */
  private async inTurn<A>(place: { readonly ready: Promise<void>; readonly done: () => void }, f: () => Promise<A>) {
    try {
      await place.ready
      this.check()
      return await f()
    } finally {
      place.done()
    }
  }

  private check(): void {
    this.output.check()
    if (this.closed) throw new Failure(`${this.file} is already closed`, undefined, false)
  }

  private record(name: string, options: EntryOptions, directory: boolean, size: number | undefined) {
    return Records.record({
      name,
      directory,
      deflate: options.deflate,
      mtime: options.mtime,
      mode: options.mode,
      offset: this.output.offset,
      // The local header's layout is fixed before the data: ZIP64 sizes whenever they could reach 4 GiB.
      zip64: size === undefined || size >= (options.deflate ? Records.MAX32 - DEFLATE_HEADROOM : Records.MAX32)
    })
  }

  /** A buffer of `WHOLE_BYTES` from the pool, and how to give it back. */
  private borrow(): readonly [Buffer, () => void] {
    const buffer = this.pool.pop() ?? Buffer.allocUnsafe(WHOLE_BYTES)
    return [
      buffer,
      () => {
        if (this.pool.length < POOL_BUFFERS) this.pool.push(buffer)
      }
    ]
  }

  /**
   * An entry whose whole content is at hand: summed (and deflated) at once,
   * then, in its turn, its header and data go out together (then `release`).
   */
  private async whole(
    turn: { readonly ready: Promise<void>; readonly done: () => void },
    name: string,
    options: EntryOptions,
    directory: boolean,
    content: Uint8Array,
    release?: () => void
  ): Promise<Written> {
    let data: Uint8Array
    let crc: number
    let sha256: string
    try {
      crc = Records.crc32(content, 0)
      sha256 = createHash("sha256").update(content).digest("hex")
      data = options.deflate ? await deflateBytes(content) : content
    } catch (e) {
      turn.done()
      throw e
    }
    return this.inTurn(turn, async () => {
      const record = this.record(name, options, directory, content.length)
      record.crc = crc
      record.size = content.length
      record.compressedSize = data.length
      await this.output.append([Records.localHeader(record), data], release)
      this.records.push(record)
      return { bytes: record.size, sha256 }
    })
  }

  /**
   * An entry streamed from `body` (uncompressed; deflated here when asked):
   * its header, its data, then its header again with the CRC and sizes. On
   * failure the entry is cut off and the error rethrown.
   */
  private async streamed(
    name: string,
    options: EntryOptions,
    size: number | undefined,
    body: AsyncIterable<Uint8Array>
  ): Promise<Written> {
    const start = this.output.offset
    const record = this.record(name, options, false, size)
    const hash = createHash("sha256")
    // Every byte of the content passes here once, on its way to the archive.
    const tally = (chunk: Uint8Array) => {
      record.crc = Records.crc32(chunk, record.crc)
      hash.update(chunk)
      record.size += chunk.length
      if (size !== undefined && record.size > size) throw changed(name, record.size, size)
    }
    try {
      await this.output.append([Records.localHeader(record)])
      if (options.deflate) {
        await pipeline(
          async function* () {
            for await (const chunk of body) {
              tally(chunk)
              yield chunk
            }
          },
          createDeflateRaw({ chunkSize: DEFLATE_OUT_BYTES }),
          async (out: AsyncIterable<Buffer>) => {
            for await (const c of out) {
              record.compressedSize += c.length
              await this.output.append([c])
            }
          }
        ).catch((e) => {
          throw e instanceof Failure ? e : new Failure(`cannot deflate ${name}: ${describe(e)}`, codeOf(e), false)
        })
      } else {
        for await (const chunk of body) {
          tally(chunk)
          await this.output.append([chunk])
        }
        record.compressedSize = record.size
      }
      if (size !== undefined && record.size !== size) throw changed(name, record.size, size)
      if (!record.zip64 && (record.size >= Records.MAX32 || record.compressedSize >= Records.MAX32)) {
        throw new Failure(`${name} passed 4 GiB, but its local header has no ZIP64 sizes`, undefined, false)
      }
      await this.output.rewrite(Records.localHeader(record), start)
    } catch (e) {
      await this.output.cutOff(start)
      throw e
    }
    this.records.push(record)
    return { bytes: record.size, sha256: hash.digest("hex") }
  }

  /** A folder entry (`name` ends in `/`). */
  addDirectory = async (name: string, options: { readonly mtime: Date; readonly mode: number }): Promise<void> => {
    await this.whole(this.place(), name, { ...options, deflate: false }, true, new Uint8Array(0))
  }

  /** An entry of bytes held in memory. */
  addBytes = async (name: string, content: Uint8Array, options: EntryOptions): Promise<Written> => {
    const turn = this.place()
    if (content.length <= WHOLE_BYTES) return this.whole(turn, name, options, false, content)
    return this.inTurn(turn, () => this.streamed(name, options, content.length, once(content)))
  }

  /**
   * An entry of a regular file's content, read once from a descriptor opened
   * without following a symlink. `expected`: its size, when the caller knows it.
   */
  addFile = async (
    name: string,
    file: string,
    options: EntryOptions,
    expected: number | undefined,
    signal: AbortSignal | undefined
  ): Promise<Written> => {
    const turn = this.place()
    let handle: fs.FileHandle | undefined
    try {
      this.check()
      const open = () => fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW)
      const opened = (handle = await guard(`cannot open ${file}`, true, open))
      const stats = await guard(`cannot read ${file}`, true, () => opened.stat())
      if (!stats.isFile()) {
        const problem = "not a regular file (symlinks and special files are never followed)"
        throw new Failure(`cannot add ${file}: ${problem}`, "EISDIR", true)
      }
      if (expected !== undefined && stats.size !== expected) throw changed(name, stats.size, expected)
      if (stats.size >= WHOLE_BYTES) {
        return await this.inTurn(turn, () =>
          this.streamed(name, options, stats.size, read(opened, file, stats.size, signal))
        )
      }
      // One read, one byte past the end to find a file that grew.
      const [buffer, release] = this.borrow()
      try {
        const { bytesRead } = await guard(`cannot read ${file}`, true, () => opened.read(buffer, 0, stats.size + 1, 0))
        if (bytesRead !== stats.size) throw changed(name, bytesRead, stats.size)
      } catch (e) {
        release()
        throw e
      }
      const closing = opened.close().catch(() => undefined)
      handle = undefined
      const written = this.whole(turn, name, options, false, buffer.subarray(0, stats.size), release)
      // Awaited below, after the close: a failure meanwhile (the archive discarded by an interrupt)
      // must not count as unhandled, which would end the process.
      written.catch(() => undefined)
      await closing
      return await written
    } catch (e) {
      turn.done()
      throw e
    } finally {
      await handle?.close().catch(() => undefined)
    }
  }

  /**
   * Writes the central directory (entries in the order added, or by name in
   * byte order) and the end records, and flushes the file to disk. Returns
   * the archive's size.
   */
  close = (order: "added" | "name"): Promise<number> => this.inTurn(this.place(), () => this.finish(order))

  private finish = async (order: "added" | "name"): Promise<number> => {
    const records = order === "name" ? this.records.toSorted((a, b) => Buffer.compare(a.name, b.name)) : this.records
    const start = this.output.offset
    for (let i = 0; i < records.length; i += CENTRAL_BATCH) {
      await this.output.append(records.slice(i, i + CENTRAL_BATCH).map(Records.centralHeader))
    }
    await this.output.append(Records.endRecords(records.length, start, this.output.offset - start))
    const size = await this.output.finish()
    this.closed = true
    return size
  }

  /** Closes and removes an archive that was not closed. */
  discard = async (): Promise<void> => {
    this.closed = true
    await this.output.abandon()
    await fs.rm(this.file, { force: true })
  }
}

async function* once(content: Uint8Array): AsyncGenerator<Uint8Array> {
  yield content
}

/** A file's bytes from its start, the next chunk read while the last one is used; one byte past the end finds growth. */
async function* read(
  handle: fs.FileHandle,
  file: string,
  size: number,
  signal: AbortSignal | undefined
): AsyncGenerator<Uint8Array> {
  const next = (position: number) => {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size - position, 0) + 1))
    return guard(`cannot read ${file}`, true, () => handle.read(buffer, 0, buffer.length, position)).then(
      ({ bytesRead }) => buffer.subarray(0, bytesRead)
    )
  }
  let position = 0
  let pending = next(position)
  for (;;) {
    const chunk = await pending
    if (chunk.length === 0) return
    if (signal?.aborted) throw new Failure(`adding ${file} was interrupted`, "ABORT_ERR", false)
    position += chunk.length
    pending = next(position)
    // A read ahead that fails while this chunk is used is reported by the next await.
    pending.catch(() => undefined)
    yield chunk
  }
}
