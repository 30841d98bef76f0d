/**
 * Where an export's media files go: the `media/` folder of its temporary
 * directory, or — for a ZIP export — straight into its archive as
 * `media/<name>` entries, so each byte is read once and written once. Either
 * way the sha256 is taken of the bytes that were written.
 */
import type { ZipFile } from "@skyporter/zip"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as ExportDirectory from "../ExportDirectory.js"
import type * as Manifest from "../Manifest.js"

/** The folder of an export that holds its media files. */
export const DIRECTORY = "media"

/** Errors of the export's own disk: they fail the export instead of skipping a file. */
const OUTPUT_ERRORS = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EROFS"])

/** The reason a filesystem error gives for skipping a file. */
export const reasonOf = (e: unknown): Manifest.MissingReason => {
  switch ((e as { readonly code?: unknown } | undefined)?.code) {
    case "ENOENT":
    case "ENOTDIR":
      return "not_found"
    case "ELOOP":
    case "EISDIR":
      return "not_regular"
    case "ENAMETOOLONG":
    case "EINVAL":
      return "invalid_path"
    default:
      return "unreadable"
  }
}

export interface MediaTarget {
  /** Files put at once: copies and reads wait on the disk, so a few in flight keep it busy. */
  readonly concurrency: number
  /**
   * Puts the regular file `real` at `media/<name>` and hashes what was
   * written. A problem of the source file is a reason to skip it; a problem
   * of the export's own output fails.
   */
  readonly put: (real: string, name: string) => Effect.Effect<Manifest.FileEntry | Manifest.MissingReason, unknown>
  /** Flushes every file put so far to disk. */
  readonly finish: (files: ReadonlyArray<Manifest.FileEntry>) => Effect.Effect<void, unknown>
}

const HASH_CHUNK = 1024 * 1024

/** Byte count and sha256 of a file, read in chunks (into `buffer` when given). */
export const digestFile = async (
  file: string,
  given?: Buffer
): Promise<{ readonly bytes: number; readonly sha256: string }> => {
  const handle = await fs.open(file, "r")
  try {
    const buffer = given ?? Buffer.allocUnsafe(Math.min(HASH_CHUNK, (await handle.stat()).size + 1))
    const hash = createHash("sha256")
    let bytes = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      bytes += bytesRead
    }
    return { bytes, sha256: hash.digest("hex") }
  } finally {
    await handle.close()
  }
}

/** `syncfs(2)` of the filesystem holding `dir`, through coreutils' `sync -f`; false where there is none. */
const syncFileSystem = (dir: string): Promise<boolean> =>
  new Promise((resolve) => execFile("sync", ["-f", dir], (error) => resolve(error === null)))

/** fsync of one file. */
const syncFile = async (file: string): Promise<void> => {
  const handle = await fs.open(file, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * The `media/` folder of `dir`, made at the first file: a file is copied with
 * the kernel's copy (`copyFile`, a copy-on-write clone where the filesystem
 * has one), then read back once to hash it; all copies are flushed at the end
 * (one `syncfs`, or an fsync per file where the system has no `sync -f`).
 */
export const folder = (dir: string): MediaTarget => {
  const mediaDir = path.join(dir, DIRECTORY)
  let created: Promise<void> | undefined
  // A buffer per copy in flight, reused: one per file grew external memory by the media's size.
  const buffers: Array<Buffer> = []

  const copy = async (real: string, name: string): Promise<Manifest.FileEntry | Manifest.MissingReason> => {
    created ??= fs.mkdir(mediaDir).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    })
    await created
    const dest = path.join(mediaDir, name)
    try {
      await fs.copyFile(real, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? ""
      // Another name that the filesystem folds to this one (a case-insensitive disk): never overwritten.
      if (code === "EEXIST") return "name_conflict"
      await fs.rm(dest, { force: true })
      if (OUTPUT_ERRORS.has(code)) throw e
      return reasonOf(e)
    }
    const buffer = buffers.pop() ?? Buffer.allocUnsafe(HASH_CHUNK)
    try {
      const { bytes, sha256 } = await digestFile(dest, buffer)
      return { path: `${DIRECTORY}/${name}`, bytes, sha256 }
    } finally {
      buffers.push(buffer)
    }
  }
  return {
    concurrency: 8,
    put: (real, name) => Effect.tryPromise({ try: () => copy(real, name), catch: (e) => e }),
    // One syncfs flushes every copy at once (an fsync per file would cost a disk flush per file).
    finish: (files) =>
      created === undefined
        ? Effect.void
        : Effect.tryPromise({
            try: async () => {
              if (await syncFileSystem(mediaDir)) return
              for (const file of files) await syncFile(path.join(dir, file.path))
            },
            catch: (e) => e
          }).pipe(Effect.andThen(ExportDirectory.syncDirectory(mediaDir)))
  }
}

/**
 * The export's archive: each file is read once into a stored `media/<name>`
 * entry, dated `mtime`; several are read and summed at once while the archive
 * takes them in the order they were asked for. The `media/` folder entry is
 * added at the end, when a file was put (the central directory lists entries
 * by name); the archive is flushed when it is closed.
 */
export const archive = (zip: ZipFile.ZipFile, mtime: Date): MediaTarget => {
  let started = false
  return {
    concurrency: 8,
    put: (real, name) => {
      started = true
      const entry = `${DIRECTORY}/${name}`
      return zip.addFile(entry, real, { mtime }).pipe(
        Effect.map((w): Manifest.FileEntry | Manifest.MissingReason => ({ path: entry, ...w })),
        Effect.catchTag("ZipError", (e) =>
          e.source === true && !OUTPUT_ERRORS.has(e.code ?? "") ? Effect.succeed(reasonOf(e)) : Effect.fail(e)
        )
      )
    },
    finish: () => (started ? zip.addDirectory(`${DIRECTORY}/`, { mtime }) : Effect.void)
  }
}
