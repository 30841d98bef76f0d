/**
 * A ZIP archive written entry by entry into a new file: for code that makes
 * an archive's content as it goes (an export adds each media file as it
 * copies it) instead of zipping a finished folder.
 *
 * Each entry's bytes are read once and written once; CRC-32 and SHA-256 are
 * taken of them on the way, and `addFile` / `addBytes` return the SHA-256 so
 * a manifest can list what was written. Entries go in in the order they are
 * asked for; calls may overlap (the files of later entries are read and
 * summed meanwhile). The central directory lists them in that order or by name.
 * ZIP64 fields are written where a size, an offset or the entry count needs
 * them; local headers carry the CRC and sizes (no data descriptors). An entry
 * whose file cannot be read, or changes while it is read, fails with
 * `source: true` and is taken back: the archive can go on. The file is
 * removed when the scope closes unless `close` finished it.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import { ArchiveFile, type Written } from "./internal/ArchiveFile.js"
import { Failure } from "./internal/Failure.js"
import { checkName, compressible, ZipError } from "./ZipWriter.js"

export type { Written } from "./internal/ArchiveFile.js"

export interface EntryOptions {
  /** The entry's time (default: now). */
  readonly mtime?: Date | undefined
  /** Unix permission bits; default 0o644 for files, 0o755 for folders. */
  readonly mode?: number | undefined
}

export interface FileOptions extends EntryOptions {
  /** Deflate (`true`) or store (`false`); by default `compressible(name)` decides. */
  readonly compress?: boolean | undefined
}

export interface CreateOptions {
  /**
   * The central directory's order, which readers list: the order entries
   * were added (default), or by name in byte order — as `zipDirectory` lists
   * a folder.
   */
  readonly order?: "added" | "name" | undefined
}

export interface ZipFile {
  readonly path: string
  /** A folder entry: `name` ends in `/`. */
  readonly addDirectory: (name: string, options?: EntryOptions) => Effect.Effect<void, ZipError>
  /** An entry of content held in memory. */
  readonly addBytes: (
    name: string,
    content: Uint8Array | string,
    options?: FileOptions
  ) => Effect.Effect<Written, ZipError>
  /**
   * An entry of a regular file's content, streamed from disk and never
   * through a symlink (`O_NOFOLLOW`); `size`, when given, must be its size.
   */
  readonly addFile: (
    name: string,
    file: string,
    options?: FileOptions & { readonly size?: number | undefined }
  ) => Effect.Effect<Written, ZipError>
  /** Writes the central directory and flushes the file to disk (fsync); returns its size. Nothing can be added after. */
  readonly close: Effect.Effect<number, ZipError>
}

const toZipError =
  (entry: string | undefined) =>
  (e: unknown): ZipError =>
    e instanceof Failure
      ? new ZipError({ entry, message: e.message, code: e.code, source: e.source })
      : new ZipError({ entry, message: String(e) })

const refuse = (name: string, problem: string) =>
  Effect.fail(new ZipError({ entry: name, message: `cannot add ${JSON.stringify(name)}: ${problem}` }))

/** A new archive file (it must not exist); removed when the scope closes unless `close` finished it. */
export const create: (file: string, options?: CreateOptions) => Effect.Effect<ZipFile, ZipError, Scope.Scope> =
  Effect.fn("ZipFile.create")(function* (file: string, createOptions?: CreateOptions) {
    const archive = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => ArchiveFile.create(file), catch: toZipError(path.basename(file)) }),
      (a) => (a.closed ? Effect.void : Effect.promise(a.discard))
    )
    // Entries go in in the order they are asked for (the archive keeps that order while it reads
    // the files of later ones); interrupting a file entry stops its reads.
    const run = <A>(entry: string | undefined, f: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: toZipError(entry) })
    const fileName = (name: string) => {
      const problem =
        checkName(name) ?? (name.endsWith("/") ? "a file's name cannot end in / (that is a folder)" : undefined)
      return problem === undefined ? Effect.void : refuse(name, problem)
    }
    const entryOptions = (name: string, options: FileOptions | undefined) => ({
      mtime: options?.mtime ?? new Date(),
      mode: options?.mode ?? 0o644,
      deflate: options?.compress ?? compressible(name)
    })
    return {
      path: file,
      addDirectory: (name, options) =>
        Effect.gen(function* () {
          const problem = checkName(name) ?? (name.endsWith("/") ? undefined : "a folder's name ends in /")
          if (problem !== undefined) return yield* refuse(name, problem)
          yield* run(name, () =>
            archive.addDirectory(name, { mtime: options?.mtime ?? new Date(), mode: options?.mode ?? 0o755 })
          )
        }),
      addBytes: (name, content, options) =>
        Effect.andThen(fileName(name), () =>
          run(name, () =>
            archive.addBytes(
              name,
              typeof content === "string" ? Buffer.from(content, "utf8") : content,
              entryOptions(name, options)
            )
          )
        ),
      addFile: (name, source, options) =>
        Effect.andThen(fileName(name), () =>
          run(name, (signal) => archive.addFile(name, source, entryOptions(name, options), options?.size, signal))
        ),
      close: run(undefined, () => archive.close(createOptions?.order ?? "added"))
    } satisfies ZipFile
  })
