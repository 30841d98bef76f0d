/** Shared test helpers: the fixture archive, decoded rows, and running a sink. */
import Database from "better-sqlite3"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { Post, Timestamp } from "@skyporter/core"
import { Compat, Sink } from "@skyporter/testkit"
import { jsonFormat } from "../src/index.js"
import { tempDir } from "../../../testing/tempDir.mts"

/**
 * Builds the golden fixture archive in a temp dir and returns its path and a cleanup. The folder
 * goes after the test or file that made it even when the cleanup is never reached.
 */
export const compatArchive = (): { readonly path: string; readonly cleanup: () => void } => {
  const dir = tempDir("skyporter-format-json-")
  const path = join(dir, "archive.db")
  Compat.writeCompatArchive(path)
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** All posts of `did` in export order, decoded by the core; warnings are collected. */
export const readPosts = (
  dbPath: string,
  did: string
): { readonly posts: Array<Post.Post>; readonly warnings: Array<string> } => {
  const db = new Database(dbPath, { readonly: true })
  try {
    const rows = db
      .prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC`)
      .raw(true)
      .all(did) as Array<Array<unknown>>
    const warnings: Array<string> = []
    return { posts: rows.map((row) => Post.decodeRow(row, (m) => warnings.push(m))), warnings }
  } finally {
    db.close()
  }
}

/** The posts of the `*.range.*` vectors: 2024-03-01 <= created_at instant < 2024-07-01. */
export const inRange = (p: Post.Post): boolean => {
  const t = Timestamp.canonicalInstant(p.createdAt.text)
  return t !== undefined && t >= "2024-03-01T00:00:00.000000000Z" && t < "2024-07-01T00:00:00.000000000Z"
}

/** Splits `posts` into batches of `size` (one batch when size is Infinity). */
export const batches = <A>(posts: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  if (!Number.isFinite(size)) return [posts]
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < posts.length; i += size) out.push(posts.slice(i, i + size))
  return out
}

/** Runs a fresh json sink over the batches (as the core would) and returns every chunk's bytes, concatenated. */
export const encode = (parts: ReadonlyArray<ReadonlyArray<Post.Post>>): Buffer =>
  Effect.runSync(Sink.encode(jsonFormat, parts))

const aTimestamp = Timestamp.decode("2024-01-02T03:04:05.600Z")

/** A post with plain values; override what a test needs. */
export const post = (over: Partial<Post.Post> = {}): Post.Post => ({
  uri: "at://did:plc:test/app.bsky.feed.post/3abc",
  cid: "bafyreitest",
  did: "did:plc:test",
  text: "hello",
  createdAt: aTimestamp,
  indexedAt: aTimestamp,
  archivedAt: aTimestamp,
  hasMedia: false,
  isReply: false,
  likeCount: "1",
  repostCount: "2",
  replyCount: "3",
  quoteCount: "4",
  replyParent: "",
  embedType: "",
  embedData: null,
  labels: null,
  ...over
})
