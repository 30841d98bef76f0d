/**
 * The files an export writes into its temporary directory: the data file,
 * hashed as it is written and flushed to disk in the background, and the
 * manifest.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { describe, ExportFailed } from "../Errors.js"
import type { Chunk } from "../FormatPlugin.js"
import * as Manifest from "../Manifest.js"

export const toBytes = (chunk: Chunk): Uint8Array => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)

/** Bytes given to one `writev` at most: Node reports the bytes it wrote as a 32-bit integer, wrong past 2 GiB. */
const CALL_BYTES = 2 ** 30

/** Writes `size` bytes of `data` at the file's position, in one call when the system allows. */
const writeCall = async (handle: fs.FileHandle, data: ReadonlyArray<Uint8Array>, size: number): Promise<void> => {
  let done = (await handle.writev(data as Array<Uint8Array>)).bytesWritten
  // A short write (rare for files) goes on from where it stopped.
  for (let i = 0, skip = done; done < size; i++) {
    const d = data[i]!
    if (skip >= d.length) {
      skip -= d.length
      continue
    }
    await handle.writeFile(d.subarray(skip))
    done += d.length - skip
    skip = 0
  }
}

/** Writes every byte of `data` at the file's position, in calls of at most CALL_BYTES; returns the bytes written. */
const writeFully = async (handle: fs.FileHandle, data: ReadonlyArray<Uint8Array>): Promise<number> => {
  let total = 0
  let call: Array<Uint8Array> = []
  let size = 0
  for (const d of data) {
    for (let at = 0; at < d.length;) {
      const n = Math.min(d.length - at, CALL_BYTES - size)
      call.push(n === d.length ? d : d.subarray(at, at + n))
      size += n
      at += n
      if (size === CALL_BYTES) {
        await writeCall(handle, call, size)
        total += size
        call = []
        size = 0
      }
    }
  }
  if (size > 0) await writeCall(handle, call, size)
  return total + size
}

/**
 * A system error's text without the paths Node appends to it (`EIO: i/o error,
 * copyfile '…' -> '…'`): they name the export's temporary folder.
 */
const withoutPaths = (e: unknown): string =>
  typeof (e as NodeJS.ErrnoException).syscall === "string"
    ? describe(e).replace(/ '[^']*'(?: -> '[^']*')?/g, "")
    : describe(e)

/** A user-facing reason for a failed write into the export (a data file, the manifest, a media file). */
export const writeReason = (e: unknown): string => {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOSPC":
      return "the output disk is full (ENOSPC)"
    case "EDQUOT":
      return "the disk quota is exhausted (EDQUOT)"
    case "EFBIG":
      return "the file size limit was reached (EFBIG)"
    case "EROFS":
      return "the output folder is on a read-only filesystem (EROFS)"
    case "EACCES":
    case "EPERM":
      return `the output folder is not writable (${(e as NodeJS.ErrnoException).code})`
    default:
      return withoutPaths(e)
  }
}

/** Writes the manifest into the temporary directory, flushed to disk. */
export const writeManifest = (dir: string, manifest: Manifest.Manifest) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await fs.open(path.join(dir, Manifest.FILE_NAME), "wx")
      try {
        await handle.writeFile(Manifest.encode(manifest))
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
    catch: (e) => new ExportFailed({ stage: "publish", message: `cannot write the manifest: ${writeReason(e)}` })
  })

/** Bytes written between two background flushes of the data file. */
const FLUSH_BYTES = 64 * 1024 * 1024

/** A file written in the temporary directory, hashed as it is written. */
export interface Output {
  readonly write: (chunk: Chunk, batch?: number) => Effect.Effect<void, ExportFailed>
  /** Writes several chunks in one call, in order (`batch`: the first one's, for errors). */
  readonly writeAll: (chunks: ReadonlyArray<Uint8Array>, batch?: number) => Effect.Effect<void, ExportFailed>
  readonly finish: Effect.Effect<Manifest.FileEntry, ExportFailed>
}

export const openOutput = (dir: string, name: string): Effect.Effect<Output, ExportFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => fs.open(path.join(dir, name), "wx"),
      catch: (e) => new ExportFailed({ stage: "write", message: `cannot create ${name}: ${writeReason(e)}` })
    }),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  ).pipe(
    Effect.map((handle) => {
      const hash = createHash("sha256")
      let bytes = 0
      // Data is flushed to disk while the export goes on, so the final fsync
      // has little left to do; a flush that failed is reported by `finish`.
      let flushedAt = 0
      let flushing: Promise<unknown> = Promise.resolve()
      let flushError: unknown
      const writeAll = (chunks: ReadonlyArray<Uint8Array>, batch?: number) => {
        const data = chunks.filter((c) => c.length > 0)
        if (data.length === 0) return Effect.void
        return Effect.tryPromise({
          try: async () => {
            // The write runs on libuv's pool while this thread hashes the same bytes.
            const written = writeFully(handle, data)
            for (const d of data) hash.update(d)
            bytes += await written
            if (bytes - flushedAt >= FLUSH_BYTES) {
              flushedAt = bytes
              flushing = flushing.then(() => handle.datasync()).catch((e) => (flushError ??= e))
            }
          },
          catch: (e) =>
            new ExportFailed({
              stage: "write",
              ...(batch === undefined ? {} : { batch }),
              message: `cannot write ${name}${batch === undefined ? "" : ` (batch ${batch})`}: ${writeReason(e)}`
            })
        })
      }
      return {
        write: (chunk: Chunk, batch?: number) => writeAll([toBytes(chunk)], batch),
        writeAll,
        finish: Effect.tryPromise({
          try: async () => {
            await flushing
            if (flushError !== undefined) throw flushError
            await handle.sync()
            return { path: name, bytes, sha256: hash.digest("hex") } satisfies Manifest.FileEntry
          },
          catch: (e) => new ExportFailed({ stage: "write", message: `cannot flush ${name}: ${writeReason(e)}` })
        })
      }
    })
  )
