/**
 * The archive: a bskyarchive SQLite database, opened as it is.
 *
 * Opening checks that the file is SQLite and has a `posts` table with the
 * columns an export reads. When the file can be written, the one index the
 * export order needs is added if missing (see `OpenOptions.did`); without
 * it, a read-only file or folder still exports (each export then sorts).
 */
import Database from "better-sqlite3"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { accessSync, constants, existsSync, readSync, statSync } from "node:fs"
import { basename, dirname } from "node:path"
import * as ArchiveSchema from "./ArchiveSchema.js"
import { ArchiveError, describe } from "./Errors.js"
import * as ExportIndex from "./internal/ExportIndex.js"
import * as OpenFiles from "./internal/OpenFiles.js"
import * as Post from "./Post.js"
import * as LockWait from "./LockWait.js"
import * as Timestamp from "./Timestamp.js"

export interface ArchiveShape {
  readonly path: string
  /** The connection all reads go through (one snapshot at a time). */
  readonly database: Database.Database
  /** True when the export-order index exists, so no export sorts. */
  readonly indexed: boolean
  /** True when the file could not be written (no index could be added). */
  readonly readOnly: boolean
  /**
   * Runs `run`, a read through `database` on this thread, waiting for a writer's
   * lock in short attempts (LockWait), so an interrupt ends the wait: a lock held
   * past the busy timeout fails as Locked, any other SQLite error as Unreadable.
   */
  readonly read: <A>(run: () => A) => Effect.Effect<A, ArchiveError>
}

/** Columns an export reads; an archive missing any of them is refused. */
export const REQUIRED_POST_COLUMNS = Post.COLUMNS

/** SQL function giving the canonical UTC instant of stored timestamp text (NULL when not a timestamp). */
export const INSTANT_FUNCTION = "skyporter_instant"

export interface OpenOptions {
  readonly path: string
  /** Create a new archive with bskyarchive's schema when the file is missing. */
  readonly create?: boolean
  /** Never write to the archive, not even the export-order index. */
  readonly readOnly?: boolean
  /** Refuse an archive without bskyarchive's `media` table (an export with media needs it). */
  readonly media?: boolean
  /** Milliseconds to wait on a locked database before failing (never hang); an interrupt ends the wait. */
  readonly busyTimeout?: number
  /**
   * The one account to be exported, when known. The export-order index is
   * then added only if this DID holds at least a third of the posts: it
   * covers every account, and for a smaller share it costs more to build than
   * sorting this account's keys costs an export (docs/performance.md).
   */
  readonly did?: string
}

const fail = (reason: ArchiveError["reason"], path: string, message: string) =>
  new ArchiveError({ reason, path, message })

const isNotDatabase = (e: unknown) => {
  const code = (e as { code?: unknown }).code
  return code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT"
}

/**
 * A WAL-mode archive needs its `-shm` file: in a folder that cannot be
 * written, without that file, SQLite cannot read it at all.
 */
const walNeedsShm = (path: string): boolean => {
  const header = Buffer.alloc(20)
  try {
    // Not a descriptor of its own: closing one would release the locks of this process's connections.
    const fd = OpenFiles.acquire(path)
    try {
      readSync(fd, header, 0, 20, 0)
    } finally {
      OpenFiles.release(fd)
    }
  } catch {
    return false // unreadable for another reason
  }
  // Byte 18 of the header is the read format version: 2 means WAL.
  if (header[18] !== 2 || existsSync(`${path}-shm`)) return false
  try {
    accessSync(dirname(path), constants.W_OK)
    return false
  } catch {
    return true
  }
}

/** The error for a failed first read of the archive. */
const unreadable = (path: string, timeout: number, e: unknown) => {
  if (isNotDatabase(e)) return fail("NotSqlite", path, `${path} is not a SQLite database (${describe(e)})`)
  if (LockWait.isBusy(e)) {
    return fail(
      "Locked",
      path,
      `${path} is locked by another process (still locked after ${
        timeout / 1000
      } s): try again when it has finished writing`
    )
  }
  if (String((e as { code?: unknown }).code).startsWith("SQLITE_CANTOPEN") && walNeedsShm(path)) {
    return fail(
      "Unreadable",
      path,
      `cannot read ${path}: it is in WAL mode and its folder is read-only, so SQLite cannot create the ${basename(
        path
      )}-shm file it needs. Copy the archive (with its -wal file, if any) to a writable folder and export the copy`
    )
  }
  return fail("Unreadable", path, `cannot read ${path}: ${describe(e)}`)
}

const isReadOnly = (e: unknown) => {
  const code = String((e as { code?: unknown }).code ?? "")
  return (
    code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_CANTOPEN") ||
    code === "SQLITE_PERM" ||
    LockWait.isBusy(e) ||
    code.startsWith("SQLITE_IOERR")
  )
}

const connect = (path: string, options: Database.Options): Database.Database => {
  const db = new Database(path, options)
  db.function(INSTANT_FUNCTION, { deterministic: true }, (text: unknown) =>
    typeof text === "string" ? (Timestamp.canonicalInstant(text) ?? null) : null
  )
  return db
}

/** Opens (or with `create`, creates) an archive. The connection is closed with the scope. */
export const open = Effect.fn("Archive.open")(function* (options: OpenOptions) {
  const { path } = options
  const timeout = options.busyTimeout ?? 5_000
  const exists = existsSync(path)
  if (!exists && !options.create) {
    return yield* fail("NotFound", path, `no archive at ${path}: the file does not exist (check --db)`)
  }
  if (exists && !statSync(path).isFile()) {
    return yield* fail("NotSqlite", path, `${path} is not a file: --db must name a bskyarchive SQLite database`)
  }

  const acquire = Effect.try({
    try: () => {
      if (!exists) {
        const db = connect(path, { timeout })
        db.exec(ArchiveSchema.DDL)
        db.exec(ArchiveSchema.EXPORT_INDEX)
        return { db, readOnly: false }
      }
      // Probe writability with a read-write connection; fall back to read-only.
      let db: Database.Database
      let readOnly = false
      if (options.readOnly) {
        return { db: connect(path, { fileMustExist: true, readonly: true, timeout }), readOnly: true }
      }
      try {
        db = connect(path, { fileMustExist: true, timeout })
      } catch (e) {
        if (!isReadOnly(e)) throw e
        db = connect(path, { fileMustExist: true, readonly: true, timeout })
        readOnly = true
      }
      return { db, readOnly }
    },
    catch: (e) =>
      isNotDatabase(e)
        ? fail("NotSqlite", path, `${path} is not a SQLite database (${describe(e)})`)
        : fail("Unreadable", path, `cannot open ${path}: ${describe(e)}`)
  })

  const { db, readOnly: openedReadOnly } = yield* Effect.acquireRelease(acquire, (opened) =>
    Effect.sync(() => {
      if (opened.db.open) opened.db.close()
    })
  )

  // Every read below waits for a writer's lock in short attempts (LockWait), so a signal ends the wait.
  const read = <A>(run: () => A) =>
    LockWait.on(db, run, timeout).pipe(Effect.mapError((e) => unreadable(path, timeout, e)))
  const columns = yield* read(
    () => db.prepare("SELECT name FROM pragma_table_info('posts')").pluck().all() as Array<string>
  )
  if (columns.length === 0) {
    return yield* fail(
      "NotArchive",
      path,
      `${path} is a SQLite database but has no posts table: is it a bskyarchive archive?`
    )
  }
  const missing = REQUIRED_POST_COLUMNS.filter((c) => !columns.includes(c))
  if (missing.length > 0) {
    return yield* fail(
      "NotArchive",
      path,
      `${path}: the posts table lacks the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` +
        " that bskyarchive archives have"
    )
  }

  if (
    options.media &&
    (yield* read(() => db.prepare("SELECT 1 FROM pragma_table_info('media')").pluck().get())) !== 1
  ) {
    return yield* fail(
      "NotArchive",
      path,
      `${path} has no media table, so it holds no media files to copy: export it without --media`
    )
  }

  let indexed =
    (yield* read(() =>
      db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?")
        .pluck()
        .get(ArchiveSchema.EXPORT_INDEX_NAME)
    )) === 1
  let readOnly = openedReadOnly
  if (
    !indexed &&
    !readOnly &&
    (options.did === undefined || (yield* ExportIndex.holdsAThird(db, options.did, timeout)))
  ) {
    // The only change skyporter ever makes to an archive. Failing to add it
    // (read-only file or folder, a writer holding the lock) is not an error.
    const added = yield* Effect.result(ExportIndex.add(db, timeout))
    if (Result.isSuccess(added)) indexed = true
    else if (isReadOnly(added.failure)) readOnly = true
    else return yield* fail("Unreadable", path, `cannot prepare ${path}: ${describe(added.failure)}`)
  }
  return { path, database: db, indexed, readOnly, read } satisfies ArchiveShape as ArchiveShape
})

export class Archive extends Context.Service<Archive, ArchiveShape>()("@skyporter/core/Archive") {
  /** The archive at `options.path`, open for the lifetime of the layer. */
  static readonly layer = (options: OpenOptions): Layer.Layer<Archive, ArchiveError> =>
    Layer.effect(Archive, open(options))
}
