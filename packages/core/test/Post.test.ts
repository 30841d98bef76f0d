import Database from "better-sqlite3"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { DDL } from "../dist/ArchiveSchema.js"
import * as Post from "../dist/Post.js"
import * as Timestamp from "../dist/Timestamp.js"
import { tempDir } from "./helpers.js"

const row = (over: Record<number, unknown>) => {
  const base: Array<unknown> = [
    "at://did:plc:t/app.bsky.feed.post/1",
    "bafy",
    "did:plc:t",
    "hello",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:01Z",
    0,
    1,
    2,
    3,
    4,
    0,
    "",
    "",
    null,
    null,
    "2025-01-01 00:00:00"
  ]
  for (const [k, v] of Object.entries(over)) base[Number(k)] = v
  return base
}

const decode = (over: Record<number, unknown>) => {
  const warnings: Array<string> = []
  return { post: Post.decodeRow(row(over), (m) => warnings.push(m)), warnings }
}

describe("Post.decodeRow", () => {
  it("reads NULL text, reply_parent and embed_type as empty", () => {
    const { post, warnings } = decode({ 3: null, 12: null, 13: null })
    expect([post.text, post.replyParent, post.embedType]).toEqual(["", "", ""])
    expect(warnings).toEqual([])
  })

  it("keeps stored JSON as text, from TEXT or BLOB, and tells NULL/'' from the text null", () => {
    const plain = (raw: Post.RawJson | null) => raw && { text: raw.text, valid: raw.valid }
    expect(plain(decode({ 14: Buffer.from(`{"b":1,"a":[1.0]}`) }).post.embedData)).toEqual({
      text: `{"b":1,"a":[1.0]}`,
      valid: true
    })
    expect(plain(decode({ 14: "null" }).post.embedData)).toEqual({ text: "null", valid: true })
    expect(decode({ 14: "" }).post.embedData).toBeNull()
    expect(decode({ 14: null }).post.embedData).toBeNull()
  })

  it("checks stored JSON when its validity is first read, warning once then", () => {
    const { post, warnings } = decode({ 14: "{bad", 15: "[1," })
    expect(warnings).toEqual([])
    expect(post.embedData?.text).toBe("{bad")
    expect(post.embedData?.valid).toBe(false)
    expect(post.embedData?.valid).toBe(false)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/embed_data is not valid JSON/)
    expect(post.labels?.valid).toBe(false)
    expect(warnings).toHaveLength(2)
    expect(decode({ 14: "{}" }).post.embedData?.valid).toBe(true)
  })

  it("parses stored JSON once for a format that needs the value, warning once", () => {
    const good = decode({ 14: `{"b":1,"a":[1.5,"x"]}` })
    expect(good.post.embedData?.parse?.()).toEqual({ b: 1, a: [1.5, "x"] })
    expect(good.post.embedData?.valid).toBe(true)
    expect(good.warnings).toEqual([])
    expect(decode({ 14: "null" }).post.embedData?.parse?.()).toBeNull()
    const bad = decode({ 14: "{bad" })
    expect(bad.post.embedData?.parse?.()).toBeUndefined()
    expect(bad.post.embedData?.valid).toBe(false)
    expect(bad.post.embedData?.parse?.()).toBeUndefined()
    expect(bad.warnings).toHaveLength(1)
    expect(bad.warnings[0]).toMatch(/embed_data is not valid JSON/)
  })

  it("writes counts as exact canonical decimals", () => {
    expect(decode({ 7: "9223372036854775807" }).post.likeCount).toBe("9223372036854775807")
    expect(decode({ 7: "007" }).post.likeCount).toBe("7")
    expect(decode({ 7: -0 }).post.likeCount).toBe("0")
    expect(decode({ 7: 9007199254740991 }).post.likeCount).toBe("9007199254740991")
  })

  it("warns about NULL and non-integer counts and writes an integer", () => {
    const nul = decode({ 8: null })
    expect(nul.post.repostCount).toBe("0")
    expect(nul.warnings[0]).toMatch(/repost_count is NULL; written as 0/)
    const real = decode({ 9: 2.7 })
    expect(real.post.replyCount).toBe("2")
    expect(real.warnings[0]).toMatch(/reply_count 2.7 is not an integer/)
    expect(decode({ 10: "many" }).warnings[0]).toMatch(/quote_count "many" is not an integer; written as 0/)
  })

  it("reads 0/1 flags as booleans", () => {
    expect(decode({ 6: 1, 11: 0 }).post).toMatchObject({ hasMedia: true, isReply: false })
  })

  it("keeps a NULL archived_at as null and warns about an invalid timestamp", () => {
    expect(decode({ 16: null }).post.archivedAt).toBeNull()
    const bad = decode({ 5: "later" })
    expect(bad.post.indexedAt).toMatchObject({ text: "later", valid: false })
    expect(bad.warnings).toHaveLength(1)
  })

  it("decodes each post's archived_at, shared when consecutive posts repeat it", () => {
    const texts = ["2025-01-01 00:00:00", "2025-01-01 00:00:00", "2025-01-02T03:04:05.600+01:00", "2025-01-01 00:00:00"]
    const posts = texts.map((text) => decode({ 16: text }).post)
    expect(posts.map((p) => p.archivedAt && Timestamp.toRfc3339(p.archivedAt))).toEqual([
      "2025-01-01T00:00:00Z",
      "2025-01-01T00:00:00Z",
      "2025-01-02T03:04:05.6+01:00",
      "2025-01-01T00:00:00Z"
    ])
    expect(posts[1]!.archivedAt).toBe(posts[0]!.archivedAt)
    // A BLOB of the same bytes decodes as text, never taken for the string.
    expect(decode({ 16: Buffer.from("2025-01-01 00:00:00") }).post.archivedAt).toMatchObject({
      text: "2025-01-01 00:00:00",
      valid: true
    })
    // An invalid value warns for every post that holds it.
    const bad = [decode({ 16: "soon" }), decode({ 16: "soon" })]
    expect(bad.map((b) => [b.post.archivedAt?.valid, b.warnings.length])).toEqual([
      [false, 1],
      [false, 1]
    ])
    expect(decode({ 16: null }).post.archivedAt).toBeNull()
  })
})

describe("Post.selectColumns", () => {
  it("selects counts as stored, except integers past 2^53 - 1, as their exact decimal text", () => {
    const db = new Database(path.join(tempDir(), "counts.db"))
    db.exec(DDL)
    // Every storage class, and integers on each side of the exact range.
    const stored: Array<[string, unknown]> = [
      ["0", 0],
      ["-1", -1],
      ["9007199254740991", 9007199254740991],
      ["-9007199254740991", -9007199254740991],
      ["9007199254740992", "9007199254740992"],
      ["-9007199254740992", "-9007199254740992"],
      ["9223372036854775807", "9223372036854775807"],
      ["-9223372036854775808", "-9223372036854775808"],
      ["2.5", 2.5],
      ["1e300", 1e300],
      ["'many'", "many"],
      ["'12abc'", "12abc"],
      ["X'00ff'", Buffer.from([0x00, 0xff])],
      ["NULL", null]
    ]
    const add = db.prepare(
      `INSERT INTO posts (uri, cid, did, created_at, indexed_at, like_count, repost_count, reply_count, quote_count)
       VALUES (@uri, 'bafy', 'did:plc:t', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', @v, @v, @v, @v)`
    )
    // Set from SQL literals, so that values past 2^53 are stored as SQLite integers.
    for (const [i, [literal]] of stored.entries()) {
      add.run({ uri: `at://${i}`, v: null })
      const columns = ["like_count", "repost_count", "reply_count", "quote_count"]
      db.exec(`UPDATE posts SET ${columns.map((c) => `${c} = ${literal}`).join(", ")} WHERE uri = 'at://${i}'`)
    }
    const rows = db.prepare(`SELECT ${Post.selectColumns} FROM posts ORDER BY rowid`).raw(true).all() as Array<
      Array<unknown>
    >
    db.close()
    expect(rows.map((r) => r.slice(7, 11))).toEqual(stored.map(([, value]) => [value, value, value, value]))
  })
})
