/**
 * Writes imported posts into a bskyarchive archive inside one transaction
 * (`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any failure), so a failed
 * import leaves the file as it was.
 */
import { Archive, ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
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

export interface Written {
  /** 1 when the post was inserted or changed, 0 when the archive already had this version. */
  readonly changed: number
}

export class ArchiveWriter {
  private readonly upsertPost: Database.Statement
  private readonly deleteMedia: Database.Statement
  private readonly insertMedia: Database.Statement
  private open = true
  /** Whether the archive had media rows before this import: without any, there are none to replace. */
  private readonly hasMedia: boolean

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    readonly created: boolean
  ) {
    this.upsertPost = db.prepare(UPSERT_POST)
    this.deleteMedia = db.prepare("DELETE FROM media WHERE post_uri = ?")
    this.insertMedia = db.prepare(INSERT_MEDIA)
    this.hasMedia = db.prepare("SELECT EXISTS (SELECT 1 FROM media)").pluck().get() === 1
  }

  /** Opens (or creates) the archive and begins the import's transaction. */
  static begin(path: string, created: boolean, busyTimeout = 5_000): ArchiveWriter {
    let db: Database.Database
    try {
      db = new Database(path, { timeout: busyTimeout })
    } catch (e) {
      throw new ArchiveWriterError("write", `cannot open ${path}: ${describe(e)}`)
    }
    try {
      // Session settings only (the file is not changed by them): a larger page cache (16 MiB) for the indexes.
      db.pragma("cache_size = -16384")
      db.exec("BEGIN IMMEDIATE")
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
      db.exec(ArchiveSchema.DDL)
      return new ArchiveWriter(path, db, created)
    } catch (e) {
      db.close()
      if (e instanceof ArchiveWriterError) throw e
      const text = describe(e)
      if (/SQLITE_BUSY|database is locked/i.test(text) || (e as { code?: string }).code === "SQLITE_BUSY") {
        throw new ArchiveWriterError(
          "locked",
          `${path} is locked by another process: try again when it has finished writing`
        )
      }
      if (/file is not a database|SQLITE_NOTADB/i.test(text)) {
        throw new ArchiveWriterError("not_archive", `${path} is not a SQLite database`)
      }
      throw new ArchiveWriterError("write", `cannot write to ${path}: ${text}`)
    }
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

  commit(): void {
    this.db.exec("COMMIT")
    this.close()
  }

  /** Rolls back (when the transaction is still open) and closes. Safe to call twice. */
  close(): void {
    if (!this.open) return
    this.open = false
    try {
      if (this.db.inTransaction) this.db.exec("ROLLBACK")
    } finally {
      this.db.close()
    }
  }
}
