/**
 * Writes imported posts into a bskyarchive archive inside one transaction
 * (`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any failure), so a failed
 * import leaves the file as it was. Another process's lock is waited for at
 * the start and at the commit in short attempts (LockWait), so a signal ends
 * the wait.
 */
import { Archive, ArchiveSchema, LockWait } from "@skyporter/core"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { MediaRow, PostRow } from "../PostRecord.js"
import { Unseen } from "./Unseen.js"

const POST_COLUMNS = [
  "uri",
  "cid",
  "did",
  "text",
  "created_at",
  "indexed_at",
  "has_media",
  "is_reply",
  "reply_parent",
  "embed_type",
  "embed_data",
  "labels",
  "archived_at"
] as const
// Counts are not in a repository: new rows get 0, and an updated row keeps the counts it had.
const UPSERT_POST =
  `INSERT INTO posts (${POST_COLUMNS.join(", ")}, like_count, repost_count, reply_count, quote_count) ` +
  `VALUES (${POST_COLUMNS.map(() => "?").join(", ")}, 0, 0, 0, 0) ` +
  `ON CONFLICT(uri) DO UPDATE SET ${POST_COLUMNS.filter((c) => c !== "uri")
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")} WHERE posts.cid IS NOT excluded.cid`

const MEDIA_COLUMNS = [
  "hash",
  "post_uri",
  "mime_type",
  "file_path",
  "size_bytes",
  "width",
  "height",
  "alt_text",
  "created_at"
] as const
const INSERT_MEDIA =
  `INSERT INTO media (${MEDIA_COLUMNS.join(", ")}) VALUES (${MEDIA_COLUMNS.map(() => "?").join(", ")}) ` +
  "ON CONFLICT(hash) DO NOTHING"

export class ArchiveWriterError extends Error {
  constructor(
    readonly reason: "locked" | "not_archive" | "write",
    message: string
  ) {
    super(message)
  }
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Rolls back what was not committed and closes; nothing when closed already. */
const closeDatabase = (db: Database.Database): void => {
  if (!db.open) return
  try {
    if (db.inTransaction) db.exec("ROLLBACK")
  } finally {
    db.close()
  }
}

/** Refuses an archive whose posts table lacks columns, or a database without one (unless this import created it). */
const checkSchema = (db: Database.Database, path: string, created: boolean): void => {
  const columns = db.prepare("SELECT name FROM pragma_table_info('posts')").pluck().all() as Array<string>
  if (columns.length > 0) {
    const missing = Archive.REQUIRED_POST_COLUMNS.filter((c) => !columns.includes(c))
    if (missing.length > 0) {
      throw new ArchiveWriterError(
        "not_archive",
        `${path}: the posts table lacks ${missing.join(", ")}: not a bskyarchive archive`
      )
    }
  } else if (!created) {
    const tables = db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() as number
    if (tables > 0) {
      throw new ArchiveWriterError(
        "not_archive",
        `${path} is a SQLite database without a posts table: not a bskyarchive archive`
      )
    }
  }
}

/** The error for a transaction that could not begin. */
const refusal = (path: string, e: unknown): ArchiveWriterError => {
  if (e instanceof ArchiveWriterError) return e
  const text = describe(e)
  if (LockWait.isBusy(e) || /SQLITE_BUSY|database is locked/i.test(text)) {
    return new ArchiveWriterError(
      "locked",
      `${path} is locked by another process: try again when it has finished writing`
    )
  }
  if (/file is not a database|SQLITE_NOTADB/i.test(text)) {
    return new ArchiveWriterError("not_archive", `${path} is not a SQLite database`)
  }
  return new ArchiveWriterError("write", `cannot write to ${path}: ${text}`)
}

export interface Written {
  /** 1 when the post was inserted or changed, 0 when the archive already had this version. */
  readonly changed: number
}

export class ArchiveWriter {
  private readonly upsertPost: Database.Statement
  private readonly deleteMedia: Database.Statement
  private readonly insertMedia: Database.Statement
  /** Whether the archive had media rows before this import: without any, there are none to replace. */
  private readonly hasMedia: boolean

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    readonly created: boolean,
    private readonly busyTimeout: number
  ) {
    this.upsertPost = db.prepare(UPSERT_POST)
    this.deleteMedia = db.prepare("DELETE FROM media WHERE post_uri = ?")
    this.insertMedia = db.prepare(INSERT_MEDIA)
    this.hasMedia = db.prepare("SELECT EXISTS (SELECT 1 FROM media)").pluck().get() === 1
  }

  /**
   * Opens (or creates) the archive and begins the import's transaction,
   * waiting up to `busyTimeout` ms for another process's lock. The
   * connection closes (rolling back what was not committed) with the scope
   * at the latest.
   */
  static begin(
    path: string,
    created: boolean,
    busyTimeout = LockWait.DEFAULT_LIMIT_MS
  ): Effect.Effect<ArchiveWriter, ArchiveWriterError, Scope.Scope> {
    return Effect.flatMap(
      Effect.acquireRelease(
        Effect.try({
          try: () => new Database(path, { timeout: busyTimeout }),
          catch: (e) => new ArchiveWriterError("write", `cannot open ${path}: ${describe(e)}`)
        }),
        (db) => Effect.sync(() => closeDatabase(db))
      ),
      (db) =>
        Effect.gen(function* () {
          yield* LockWait.on(db, () => db.exec("BEGIN IMMEDIATE"), busyTimeout)
          return yield* Effect.try({
            try: () => {
              // Session settings only (the file is not changed by them): a larger page cache (16 MiB) for the
              // indexes. Set within the transaction, where reading the schema it needs waits for no lock.
              db.pragma("cache_size = -16384")
              checkSchema(db, path, created)
              db.exec(ArchiveSchema.DDL)
              return new ArchiveWriter(path, db, created, busyTimeout)
            },
            catch: (e) => e
          })
        }).pipe(
          Effect.mapError((e) => refusal(path, e)),
          // Interrupted too: whoever removes a new archive next finds it closed.
          Effect.onError(() => Effect.sync(() => closeDatabase(db)))
        )
    )
  }

  /** Upserts one post (by uri; an unchanged CID leaves the row alone) and, when it changed, its media rows. */
  write(post: PostRow, media: ReadonlyArray<MediaRow>): Written {
    const changed = this.upsertPost.run(
      post.uri,
      post.cid,
      post.did,
      post.text,
      post.created_at,
      post.indexed_at,
      post.has_media,
      post.is_reply,
      post.reply_parent,
      post.embed_type,
      post.embed_data,
      post.labels,
      post.archived_at
    ).changes
    if (changed > 0) {
      // A changed post's earlier media rows go; a new post has none (unless the archive lists media for a missing post).
      if (this.hasMedia) this.deleteMedia.run(post.uri)
      for (const m of media) {
        this.insertMedia.run(
          m.hash,
          m.post_uri,
          m.mime_type,
          m.file_path,
          m.size_bytes,
          m.width,
          m.height,
          m.alt_text,
          m.created_at
        )
      }
    }
    return { changed }
  }

  postCount(did: string): number {
    return this.db.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(did) as number
  }

  /** The search for the account's archived posts that `uris` lacks (see Unseen); `prune` deletes them. */
  unseen(did: string, uris: Iterator<string | undefined>, options: { listed: number; prune: boolean }): Unseen {
    return new Unseen(this.db, did, uris, {
      listed: options.listed,
      drop: options.prune ? (uri) => this.remove([uri]) : undefined
    })
  }

  remove(uris: ReadonlyArray<string>): void {
    const post = this.db.prepare("DELETE FROM posts WHERE uri = ?")
    for (const uri of uris) {
      this.deleteMedia.run(uri)
      post.run(uri)
    }
  }

  /** Commits, waiting for readers that hold the file (a commit needs it alone), and closes. */
  commit(): Effect.Effect<void, unknown> {
    return LockWait.on(this.db, () => this.db.exec("COMMIT"), this.busyTimeout).pipe(Effect.map(() => this.close()))
  }

  /** Rolls back (when the transaction is still open) and closes. Safe to call twice. */
  close(): void {
    closeDatabase(this.db)
  }
}
