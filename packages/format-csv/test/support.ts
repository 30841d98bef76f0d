/**
 * Shared test helpers: the golden-vector archive, synthetic posts, and
 * running a sink to the end.
 */
import { Post, Timestamp } from "@skyporter/core"
import { Compat, Sink } from "@skyporter/testkit"
import Database from "better-sqlite3"
import * as fc from "fast-check"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSink } from "../src/CsvPlugin.js"
import type { CsvOptions } from "../src/CsvOptions.js"

export const RANGE_START = "2024-03-01T00:00:00.000000000Z"
export const RANGE_END = "2024-07-01T00:00:00.000000000Z"

/** Decoded posts of one DID from the fixture archive, in export order. */
export const fixturePosts = (did: string): Array<Post.Post> => {
  const dir = mkdtempSync(join(tmpdir(), "skyporter-format-csv-"))
  try {
    const path = join(dir, "archive.db")
    Compat.writeCompatArchive(path)
    const db = new Database(path, { readonly: true })
    try {
      const rows = db
        .prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC`)
        .raw(true)
        .all(did) as Array<Array<unknown>>
      return rows.map((row) => Post.decodeRow(row, () => {}))
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The posts of the `alice.range` vectors: created at an instant in [RANGE_START, RANGE_END). */
export const inRange = (post: Post.Post): boolean => {
  const instant = Timestamp.canonicalInstant(post.createdAt.text)
  return instant !== undefined && instant >= RANGE_START && instant < RANGE_END
}

/** Splits posts into batches of `size` (one batch when size is Infinity). */
export const batches = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  if (!Number.isFinite(size)) return [items]
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Runs a sink over the batches and returns the file's bytes (text chunks as UTF-8). */
export const encode = (options: CsvOptions, parts: ReadonlyArray<ReadonlyArray<Post.Post>>): Buffer =>
  Effect.runSync(
    Effect.sync(() => {
      const sink = makeSink(options)
      const chunks: Array<Buffer> = []
      const add = (c: string | Uint8Array) =>
        chunks.push(typeof c === "string" ? Buffer.from(c, "utf8") : Buffer.from(c))
      add(sink.start?.() as string)
      let offset = 0
      for (const batch of parts) {
        add(sink.write(batch, { offset }) as string | Uint8Array)
        offset += batch.length
      }
      add((sink.end?.() ?? "") as string)
      return Buffer.concat(chunks)
    })
  )

/** The data lines of a file encoded without BOM and header: the encoded records only. */
export const records = (options: Omit<CsvOptions, "bom">, posts: ReadonlyArray<Post.Post>): string => {
  const text = encode({ ...options, bom: false }, [posts]).toString("utf8")
  return text.slice(text.indexOf("\n") + 1)
}

/** A decoded post with plain values, overridden by `fields`. */
export const post = (fields: Partial<Post.Post> = {}): Post.Post =>
  Sink.post({
    uri: "at://did:plc:test/app.bsky.feed.post/3kabc",
    cid: "bafyreitest",
    did: "did:plc:test",
    createdAt: Timestamp.decode("2024-01-02T03:04:05.678Z"),
    indexedAt: Timestamp.decode("2024-01-02T03:04:06Z"),
    ...fields
  })

/** A RawJson value as the core decodes it. */
export const rawJson = (text: string): Post.RawJson => {
  let valid = true
  try {
    JSON.parse(text)
  } catch {
    valid = false
  }
  return { text, valid }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/**
 * Text in the shape of a stored timestamp, valid or not: fields out of
 * range, every separator, fraction length and offset spelling (RFC 3339,
 * Go's `time.String()` tail, near misses).
 */
export const timestampSpelling: fc.Arbitrary<string> = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    sep: fc.constantFrom("T", "t", " ", "x"),
    fraction: fc.constantFrom("", ".", ".0", ".5", ".123", ".000000000", ".123456789", ".1234567890"),
    // RFC 3339 offsets and near misses, then Go's tail.
    zone: fc.constantFrom(
      "",
      "Z",
      "z",
      "ZZ",
      "+00:00",
      "-00:00",
      "+05:30",
      "-23:59",
      "+24:00",
      "+01:60",
      "+0100",
      " +0000 UTC",
      " -0130 EST m=+1.5",
      " +0100 m=x"
    )
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}${t.sep}${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}` +
      `${t.fraction}${t.zone}`
  )
