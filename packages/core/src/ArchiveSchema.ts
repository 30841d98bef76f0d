/**
 * bskyarchive's archive schema: the `posts` and `media` tables with the same
 * columns, declared types and indexes (its full-text table and triggers are
 * not needed for exporting and are left out).
 */

export const POSTS_TABLE = `CREATE TABLE IF NOT EXISTS posts (
    uri TEXT PRIMARY KEY,
    cid TEXT NOT NULL,
    did TEXT NOT NULL,
    text TEXT,
    created_at TIMESTAMP NOT NULL,
    indexed_at TIMESTAMP NOT NULL,
    has_media BOOLEAN DEFAULT 0,
    like_count INTEGER DEFAULT 0,
    repost_count INTEGER DEFAULT 0,
    reply_count INTEGER DEFAULT 0,
    quote_count INTEGER DEFAULT 0,
    is_reply BOOLEAN DEFAULT 0,
    reply_parent TEXT,
    embed_type TEXT,
    embed_data JSON,
    labels JSON,
    archived_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)`

export const MEDIA_TABLE = `CREATE TABLE IF NOT EXISTS media (
    hash TEXT PRIMARY KEY,
    post_uri TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    file_path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    alt_text TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (post_uri) REFERENCES posts(uri) ON DELETE CASCADE
)`

export const ARCHIVE_INDEXES = [
  "CREATE INDEX IF NOT EXISTS idx_posts_did ON posts(did)",
  "CREATE INDEX IF NOT EXISTS idx_posts_created_at ON posts(created_at DESC)",
  "CREATE INDEX IF NOT EXISTS idx_posts_has_media ON posts(has_media) WHERE has_media = 1",
  "CREATE INDEX IF NOT EXISTS idx_posts_is_reply ON posts(is_reply) WHERE is_reply = 1",
  "CREATE INDEX IF NOT EXISTS idx_media_post_uri ON media(post_uri)"
]

/** The whole schema of a new archive, as one script. */
export const DDL = [POSTS_TABLE, MEDIA_TABLE, ...ARCHIVE_INDEXES].join(";\n") + ";\n"

/**
 * The one index skyporter adds: it matches the export order
 * (`did = ? ORDER BY created_at DESC, uri ASC`), so batches are read in index
 * order without sorting.
 */
export const EXPORT_INDEX_NAME = "idx_posts_skyporter_export_order"
export const EXPORT_INDEX = `CREATE INDEX IF NOT EXISTS ${EXPORT_INDEX_NAME} ON posts(did, created_at DESC, uri)`
