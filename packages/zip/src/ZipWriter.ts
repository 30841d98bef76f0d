/**
 * A streaming ZIP writer on effect's `Zip` encoder (`effect/encoding/Zip`).
 *
 * Entries go in as a list or a `Stream`; the archive comes out as a
 * `Stream<Uint8Array>` that can be written to a file (`writeFile`), piped
 * into an HTTP response, or turned into a Node `Readable` (`toReadable`).
 * Nothing is buffered whole: a file's bytes are read from disk in 256 KiB
 * chunks while the archive is pulled, one file open at a time. ZIP64 fields
 * are written when a size, an offset or the entry count needs them. Text is
 * deflated; formats that are compressed already (images, video, audio,
 * archives) are stored.
 *
 * Files are never read through a symbolic link: a file entry must be a
 * regular file when it is written (`lstat`, then `open` with `O_NOFOLLOW`),
 * and still the same file (device and inode) that was checked or listed.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
// The module itself, not the `effect/encoding` barrel: the barrel loads YAML,
// TOML, XML, tar and more: 9 modules and 16 ms more at every export start
// (measured on their own; a whole export varies by more than that).
import * as Zip from "effect/encoding/Zip"
import { constants } from "node:fs"
import type { BigIntStats } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Readable } from "node:stream"

/** The archive cannot be written: a bad entry, a file that changed or cannot be read, a failed write. */
export class ZipError extends Schema.TaggedError<ZipError>()("ZipError", {
  /** The entry at fault, when there is one. */
  entry: Schema.optional(Schema.String),
  message: Schema.String,
  /** The system's error code (`ENOENT`, `ENOSPC`, …) when a system call failed. */
  code: Schema.optional(Schema.String),
  /**
   * True when an entry's content was at fault (it cannot be read, or changed
   * while it was added) rather than the archive: `ZipFile` took the entry back
   * and the archive can go on.
   */
  source: Schema.optional(Schema.Boolean)
}) {}

/**
 * One entry of an archive. A name ending in `/` is a directory and has no
 * content; a file has exactly one of `path`, `bytes` or `stream`.
 */
export interface Entry {
  /** The path inside the archive: relative, `/`-separated, no `.` or `..` segments. */
  readonly name: string
  /** A regular file on disk, streamed while the archive is written (never through a symlink). */
  readonly path?: string | undefined
  /** Content held in memory (small files: its sizes and CRC go in the local header). */
  readonly bytes?: Uint8Array | string | undefined
  /** Content streamed from anywhere. Without `size`, a deflated stream gets ZIP64 sizes. */
  readonly stream?: Stream.Stream<Uint8Array, ZipError> | undefined
  /** The exact byte length of `path` or `stream`, checked while writing (required to store a stream). */
  readonly size?: number | undefined
  /** Deflate (`true`) or store (`false`); by default `compressible(name)` decides. */
  readonly compress?: boolean | undefined
  /**
   * The entry's time. Default: a `path` entry's modification time, otherwise
   * the time the entry is written. Written as a DOS date and time (UTC, two-
   * second steps) and, to the second, in an extended-timestamp field.
   */
  readonly mtime?: Date | undefined
  /** Unix permission bits; default 0o644 for files, 0o755 for directories. */
  readonly mode?: number | undefined
}

/** Extensions of formats that are compressed already: deflating them again costs time and saves nothing. */
const STORED_EXTENSIONS: ReadonlySet<string> = new Set([
  "jpg",
  "jpeg",
  "png",
  "gif",
  "webp",
  "avif",
  "heic",
  "heif",
  "jxl",
  "mp4",
  "m4v",
  "mov",
  "webm",
  "mkv",
  "mp3",
  "m4a",
  "aac",
  "ogg",
  "oga",
  "opus",
  "flac",
  "zip",
  "gz",
  "tgz",
  "bz2",
  "xz",
  "zst",
  "7z",
  "rar",
  "br",
  "woff2"
])

/** Whether an entry of this name is deflated by default: everything but already-compressed formats. */
export const compressible = (name: string): boolean => {
  const dot = name.lastIndexOf(".")
  return dot <= name.lastIndexOf("/") || !STORED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase())
}

/** Why `name` cannot be an entry name, or `undefined` when it can. */
export const checkName = (name: string): string | undefined => {
  if (name === "" || name === "/") return "the name is empty"
  if (name.includes("\0")) return "the name contains a NUL character"
  if (name.includes("\\")) return "the name contains a backslash (separate folders with /)"
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
    return "the name is absolute (names are relative to the archive's root)"
  }
  const segments = (name.endsWith("/") ? name.slice(0, -1) : name).split("/")
  if (segments.some((s) => s === "" || s === "." || s === "..")) return 'the name has an empty, "." or ".." segment'
  if (Buffer.byteLength(name, "utf8") > 0xffff) return "the name is longer than 65,535 bytes"
  return undefined
}

const CHUNK_BYTES = 256 * 1024

/** 1980-01-01T00:00:00Z: the earliest DOS time (earlier times are written as this). */
export const EPOCH = new Date(Date.UTC(1980, 0, 1))

/** Device and inode of a listed file: reading it checks it is still that file. */
interface Identity {
  readonly dev: bigint
  readonly ino: bigint
}
const listed = new WeakMap<Entry, Identity>()

const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message
  }
  return String(e)
}

const fail = (entry: string, message: string) => new ZipError({ entry, message })

const attempt = <A>(entry: string, what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => fail(entry, `${what}: ${describe(e)}`) })

/** `CompressionStream("deflate-raw")` is there on Node 20.12+; without it every entry is stored. */
const canDeflate: boolean = (() => {
  try {
    return new CompressionStream("deflate-raw") instanceof CompressionStream
  } catch {
    return false
  }
})()

/** The bytes of a regular file, read in chunks from one descriptor opened without following a symlink. */
const fileBody = (name: string, file: string, identity: Identity, size: number): Stream.Stream<Uint8Array, ZipError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const handle = yield* Effect.acquireRelease(
        attempt(name, `cannot open ${file}`, () => fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW)),
        (h) => Effect.promise(() => h.close().catch(() => undefined))
      )
      const stats = yield* attempt(name, `cannot read ${file}`, () => handle.stat({ bigint: true }))
      if (!stats.isFile() || stats.dev !== identity.dev || stats.ino !== identity.ino) {
        return yield* fail(name, `${file} was replaced while the archive was written`)
      }
      return Stream.unfold(0, (position: number) =>
        attempt(name, `cannot read ${file}`, async () => {
          // One byte past the expected end finds a file that grew (the encoder then reports the size mismatch).
          const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size - position, 0) + 1))
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
          return bytesRead === 0 ? undefined : ([buffer.subarray(0, bytesRead), position + bytesRead] as const)
        })
      )
    })
  )

type EncoderEntry = Zip.Entry<ZipError> | Zip.ContentEntry

/** Checks an entry and turns it into one of the encoder's. */
const toEncoderEntry = (entry: Entry): Effect.Effect<EncoderEntry, ZipError> =>
  Effect.gen(function* () {
    const { name } = entry
    const problem = checkName(name)
    if (problem !== undefined) return yield* fail(name, `cannot add ${JSON.stringify(name)}: ${problem}`)
    const options = { mtime: entry.mtime ?? new Date(), mode: entry.mode }
    const sources = [entry.path, entry.bytes, entry.stream].filter((s) => s !== undefined).length
    if (name.endsWith("/")) {
      if (sources > 0) {
        return yield* fail(
          name,
          `directory ${JSON.stringify(name)} cannot have content (a name ending in / is a directory)`
        )
      }
      return Zip.directory(name, options)
    }
    if (sources !== 1) {
      return yield* fail(name, `file ${JSON.stringify(name)} needs exactly one of path, bytes or stream`)
    }
    const deflate = (entry.compress ?? compressible(name)) && canDeflate
    if (entry.bytes !== undefined) {
      return Zip.file(name, entry.bytes, { ...options, method: deflate ? "Deflate" : "Store" })
    }
    if (entry.stream !== undefined) {
      if (deflate) return Zip.fileStream(name, entry.stream, { ...options, method: "Deflate", size: entry.size })
      if (entry.size === undefined) {
        return yield* fail(name, `stored stream ${JSON.stringify(name)} needs its size (or compress: true)`)
      }
      return Zip.fileStream(name, entry.stream, { ...options, method: "Store", size: entry.size })
    }
    const file = entry.path!
    const stats: BigIntStats = yield* attempt(name, `cannot add ${file}`, () => fs.lstat(file, { bigint: true }))
    if (!stats.isFile()) {
      return yield* fail(name, `cannot add ${file}: not a regular file (symlinks and special files are never followed)`)
    }
    const identity = listed.get(entry) ?? { dev: stats.dev, ino: stats.ino }
    if (stats.dev !== identity.dev || stats.ino !== identity.ino) {
      return yield* fail(name, `${file} was replaced since it was listed`)
    }
    const size = Number(stats.size)
    if (entry.size !== undefined && entry.size !== size) {
      return yield* fail(
        name,
        `${file} has ${size} bytes, not the ${entry.size} expected: it changed while the archive was written`
      )
    }
    const body = fileBody(name, file, identity, size)
    const fileOptions = { mtime: entry.mtime ?? new Date(Number(stats.mtimeMs)), mode: entry.mode }
    return Zip.fileStream(
      name,
      body,
      deflate ? { ...fileOptions, method: "Deflate", size } : { ...fileOptions, method: "Store", size }
    )
  })

const fromZipError = (e: Zip.ZipError): ZipError => new ZipError({ message: `cannot write the archive: ${e.message}` })

/**
 * The bytes of a ZIP archive of `entries`, in order. Entries are checked and
 * their files opened only when the archive gets to them, so an archive of a
 * million files holds one open file at a time.
 */
export const stream = <E = never, R = never>(
  entries: Iterable<Entry> | Stream.Stream<Entry, E, R>
): Stream.Stream<Uint8Array, ZipError | E, R> => {
  const source: Stream.Stream<Entry, E, R> = Stream.isStream(entries)
    ? (entries as Stream.Stream<Entry, E, R>)
    : Stream.fromIterable(entries as Iterable<Entry>)
  return source.pipe(
    Stream.mapEffect(toEncoderEntry),
    Stream.pipeThroughChannel(Zip.encode<ZipError | E, unknown, EncoderEntry>()),
    Stream.mapError((e) => (Zip.isZipError(e) ? fromZipError(e) : e))
  )
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

export interface ListOptions {
  /** The mtime of every entry (default: each file's and folder's own modification time). */
  readonly mtime?: Date | undefined
}

/**
 * The entries of a directory tree, lazily, in byte order of their names:
 * each folder (`name/`) then what it holds. Regular files only: symbolic
 * links (to files or folders, inside or outside the tree) and special files
 * are left out, and every file is read later only if it is still the file
 * listed here.
 */
export const entries = (dir: string, options: ListOptions = {}): Stream.Stream<Entry, ZipError> => {
  const fixed = options.mtime
  const walk = (rel: string): Stream.Stream<Entry, ZipError> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const here = path.join(dir, rel)
        const names = yield* attempt(rel || ".", `cannot list ${here}`, () => fs.readdir(here))
        names.sort(byteOrder)
        return Stream.fromIterable(names).pipe(
          Stream.mapEffect((n) =>
            Effect.map(
              attempt(rel + n, `cannot add ${path.join(here, n)}`, () =>
                fs.lstat(path.join(here, n), { bigint: true })
              ),
              (stats) => ({ n, stats })
            )
          ),
          Stream.flatMap(({ n, stats }): Stream.Stream<Entry, ZipError> => {
            const name = rel + n
            const mtime = fixed ?? new Date(Number(stats.mtimeMs))
            if (stats.isDirectory()) {
              return Stream.concat(Stream.succeed<Entry>({ name: `${name}/`, mtime }), walk(`${name}/`))
            }
            if (!stats.isFile()) return Stream.empty
            const entry: Entry = { name, path: path.join(here, n), size: Number(stats.size), mtime }
            listed.set(entry, { dev: stats.dev, ino: stats.ino })
            return Stream.succeed(entry)
          })
        )
      })
    )
  return walk("")
}

/** All `entries(dir)` in one array. */
export const listDirectory: (dir: string, options?: ListOptions) => Effect.Effect<Array<Entry>, ZipError> = Effect.fn(
  "Zip.listDirectory"
)(function* (dir: string, options?: ListOptions) {
  return yield* Stream.runCollect(entries(dir, options))
})

/** The archive of a directory tree (see `entries`): what an export download streams. */
export const zipDirectory = (dir: string, options: ListOptions = {}): Stream.Stream<Uint8Array, ZipError> =>
  stream(entries(dir, options))

/**
 * Writes archive bytes to a new file (it must not exist), flushed to disk
 * (fsync) before it succeeds. On failure or interruption the partial file is
 * removed. Returns the file's size.
 */
export const writeFile: <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  file: string
) => Effect.Effect<number, ZipError | E, R> = Effect.fn("Zip.writeFile")(function* <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  file: string
) {
  const name = path.basename(file)
  const handle = yield* attempt(name, `cannot create ${file}`, () => fs.open(file, "wx"))
  let size = 0
  const write = Effect.gen(function* () {
    yield* Stream.runForEachArray(bytes, (chunks) =>
      attempt(name, `cannot write ${file}`, async () => {
        let buffers: ReadonlyArray<Uint8Array> = chunks
        // writev may write part of what it is given (a full disk reports on the next call).
        while (buffers.length > 0) {
          const { bytesWritten } = await handle.writev(buffers as Array<Uint8Array>)
          size += bytesWritten
          buffers = advance(buffers, bytesWritten)
        }
      })
    )
    yield* attempt(name, `cannot flush ${file}`, () => handle.sync())
  })
  return yield* write.pipe(
    Effect.ensuring(Effect.promise(() => handle.close().catch(() => undefined))),
    Effect.onExit((exit) =>
      exit._tag === "Success" ? Effect.void : Effect.promise(() => fs.rm(file, { force: true }))
    ),
    Effect.map(() => size)
  )
})

/** What is left of `buffers` after their first `n` bytes. */
const advance = (buffers: ReadonlyArray<Uint8Array>, n: number): ReadonlyArray<Uint8Array> => {
  let i = 0
  let left = n
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length
  if (i === buffers.length) return []
  return [buffers[i]!.subarray(left), ...buffers.slice(i + 1)]
}

/** The archive as a Node `Readable`, for code outside Effect (e.g. `readable.pipe(response)`). */
export const toReadable = (bytes: Stream.Stream<Uint8Array, ZipError>): Readable =>
  Readable.fromWeb(Stream.toReadableStream(bytes) as import("node:stream/web").ReadableStream<Uint8Array>)
