/**
 * A deterministic synthetic bskyarchive archive: `posts` and `media` rows
 * that look like real ones (see `fixtures/compat/README.md`), generated from
 * a seed. The same options always give byte-identical rows: every random
 * choice comes from a small counter-based PRNG keyed by (seed, stream,
 * index), never from `Math.random` or the clock.
 *
 * What one main DID's posts contain, spread over 2023-01-01 .. 2025-12-31:
 * short texts (20–300 chars) with a rare ~5 KB one; commas, quotes, LF /
 * CRLF / lone CR newlines, leading `=` `+` `-` `@`, emoji (ZWJ sequences,
 * flags, skin tones, keycaps), CJK, Arabic and Hebrew; replies; every embed
 * kind (images, external with and without thumb, record, record_with_media
 * with images / video / external, video) with matching `media` rows for
 * images; labels NULL, `[]`, `null` and arrays of label objects; counts from
 * 0 up to 2^63-1; several `created_at` spellings (mostly `….sssZ`, some with
 * 0/6/9 fraction digits, the SQLite form, offsets); and groups of posts
 * sharing one exact `created_at` string. A fixed catalog of these cases is
 * placed at evenly spaced indexes, so every case occurs once the archive has
 * at least `CATALOG_SIZE` posts; the rest are drawn at random.
 *
 * Other DIDs (the main DID with a `2` suffix, the main DID in another letter
 * case, then unrelated DIDs) get posts too, some at exactly the same
 * `created_at` strings as main-DID posts.
 */
import { ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
import * as path from "node:path"
import * as Images from "./Images.js"
import { mkdirSync, writeFileSync } from "node:fs"
import { type SeedRow, Synth } from "./Generator.js"
import { type MediaRow, MISSING_MEDIA_EVERY, type PostRow, type SeedOptions, type SeedResult } from "./Options.js"
import { resolve } from "./ResolvedOptions.js"

export { CATALOG_SIZE } from "./Catalog.js"
export type { SeedRow } from "./Generator.js"
export {
  DEFAULT_DID,
  type MediaRow,
  MISSING_MEDIA_EVERY,
  type PostRow,
  type SeedOptions,
  type SeedResult,
  SPAN_END,
  SPAN_START
} from "./Options.js"

/**
 * Yields the post rows `seedArchive` writes for these options, in the same
 * order: the main DID's posts (oldest first), then each other DID's posts.
 */
export function* generatePosts(options: SeedOptions): Generator<PostRow> {
  const g = new Synth(resolve(options))
  for (const row of g.rows()) yield row.post
}

/** Yields each post row with the media rows that belong to it, in `seedArchive`'s order. */
export function* generateRows(options: SeedOptions): Generator<SeedRow> {
  yield* new Synth(resolve(options)).rows()
}

/** The other DIDs that `seedArchive` writes for these options. */
export const otherDidsFor = (options: SeedOptions): ReadonlyArray<string> => resolve(options).otherDids

/** Writes the image files of media rows under `root`, leaving every `MISSING_MEDIA_EVERY`th missing. */
const mediaWriter = (root: string) => {
  const made = new Set<string>()
  const counts = { files: 0, missing: 0 }
  const write = (m: MediaRow): void => {
    if ((counts.files + counts.missing) % MISSING_MEDIA_EVERY === 0) {
      counts.missing++
      return
    }
    const file = path.join(root, m.file_path)
    const dir = path.dirname(file)
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true })
      made.add(dir)
    }
    writeFileSync(file, m.mime_type === "image/png" ? Images.png(m.hash) : Images.jpeg(m.hash))
    counts.files++
  }
  return { write, counts }
}

const POST_COLUMNS =
  "uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count, reply_count, " +
  "quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at"
const MEDIA_COLUMNS = "hash, post_uri, mime_type, file_path, size_bytes, width, height, alt_text, created_at"
const BATCH = 10_000

/**
 * Creates the archive at `dbPath` (or opens an existing one) with
 * bskyarchive's schema, writes the rows and adds skyporter's export index.
 * Throws, before writing anything, if the archive already has posts for the
 * main DID or one of the other DIDs. Rows are committed every 10,000 posts,
 * so a failure part-way leaves the rows written so far. With `mediaRoot` it
 * also writes the media rows' image files (see `SeedOptions.mediaRoot`).
 */
export const seedArchive = (dbPath: string, options: SeedOptions): SeedResult => {
  const resolved = resolve(options)
  const db = new Database(dbPath)
  try {
    const hasPosts =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts'").get() !== undefined
    if (hasPosts) {
      const has = db.prepare("SELECT 1 FROM posts WHERE did = ? LIMIT 1").pluck()
      for (const d of [resolved.did, ...resolved.otherDids]) {
        if (has.get(d) !== undefined) {
          throw new Error(
            `${dbPath} already has posts for ${d}; seed into a new file or choose another DID` +
              (d === resolved.did ? "" : ` (${d} is one of the other DIDs seeded with ${resolved.did})`)
          )
        }
      }
    }
    // Only for this connection: nothing is synced until the file is closed.
    db.pragma("synchronous = OFF")
    db.pragma("cache_size = -131072")
    db.pragma("temp_store = MEMORY")
    // bskyarchive's tables and indexes first (its indexes are cheap to keep
    // up while rows arrive in created_at order); skyporter's export index
    // after the rows, built in one sort.
    db.exec(ArchiveSchema.DDL)
    const insertPost = db.prepare(`INSERT INTO posts (${POST_COLUMNS}) VALUES (${"?, ".repeat(16)}?)`)
    const insertMedia = db.prepare(`INSERT INTO media (${MEDIA_COLUMNS}) VALUES (${"?, ".repeat(8)}?)`)
    const begin = db.prepare("BEGIN")
    const commit = db.prepare("COMMIT")
    const g = new Synth(resolved)
    const files = options.mediaRoot === undefined ? undefined : mediaWriter(options.mediaRoot)
    let posts = 0
    let otherPosts = 0
    let mediaRows = 0
    let inBatch = 0
    const total = resolved.posts + resolved.otherDids.length * resolved.otherPosts
    begin.run()
    try {
      for (const { post: p, media } of g.rows()) {
        insertPost.run(
          p.uri,
          p.cid,
          p.did,
          p.text,
          p.created_at,
          p.indexed_at,
          p.has_media,
          p.like_count,
          p.repost_count,
          p.reply_count,
          p.quote_count,
          p.is_reply,
          p.reply_parent,
          p.embed_type,
          p.embed_data,
          p.labels,
          p.archived_at
        )
        for (const m of media) {
          insertMedia.run(
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
          files?.write(m)
        }
        mediaRows += media.length
        if (p.did === resolved.did) posts++
        else otherPosts++
        if (++inBatch === BATCH) {
          commit.run()
          options.onProgress?.(posts + otherPosts, total)
          begin.run()
          inBatch = 0
        }
      }
      commit.run()
      options.onProgress?.(posts + otherPosts, total)
    } catch (e) {
      if (db.inTransaction) db.exec("ROLLBACK")
      throw e
    }
    db.exec(ArchiveSchema.EXPORT_INDEX)
    return {
      did: resolved.did,
      posts,
      otherPosts,
      otherDids: resolved.otherDids,
      mediaRows,
      mediaFiles: files?.counts.files ?? 0,
      missingMediaFiles: files?.counts.missing ?? 0,
      tieGroups: g.tieGroups
    }
  } finally {
    db.close()
  }
}
