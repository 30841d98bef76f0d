/** Running a sink by hand, the golden vectors' decoded posts, and the awkward rows. */
import { FormatPlugin, Post } from "@skyporter/core"
import Database from "better-sqlite3"
import { Effect, Schema } from "effect"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Awkward from "../src/Awkward.js"
import * as Compat from "../src/Compat.js"
import * as Sink from "../src/Sink.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-testkit-")

/** Writes "<start>", then "<n posts>" per batch, then "<end>"; takes a `tag` option. */
const counting = FormatPlugin.define({
  name: "counting",
  version: "1.0.0",
  extension: "txt",
  mediaType: "text/plain",
  description: "batch sizes",
  apiVersion: FormatPlugin.API_VERSION,
  options: Schema.Struct({ tag: Schema.String.pipe(Schema.withDecodingDefault(Effect.succeed("s"))) }),
  make: (o) =>
    Effect.succeed({
      start: Effect.succeed(`<${o.tag}>`),
      write: (batch) => Effect.succeed(new TextEncoder().encode(`<${batch.length}>`)),
      end: Effect.succeed(`</${o.tag}>`)
    })
})

describe("Sink", () => {
  it("batches: sizes, the rest, Infinity, nothing", () => {
    expect(Sink.batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(Sink.batches([1, 2, 3], Infinity)).toEqual([[1, 2, 3]])
    expect(Sink.batches([], 3)).toEqual([])
    expect(Sink.batches([], Infinity)).toEqual([])
    expect(() => Sink.batches([1], 0)).toThrow(/batch size/)
  })

  it("bytes: start, one write per batch, end; strings and arrays; options decoded", async () => {
    const posts = Compat.goldenPosts("bob.all.posts.json")
    expect((await Sink.bytes(counting, Sink.batches(posts, 5))).toString()).toBe("<s><5><5><2></s>")
    expect((await Sink.bytes(counting, [], { tag: "t" })).toString()).toBe("<t></t>")
    await expect(Sink.bytes(counting, [], { tga: "t" })).rejects.toThrow(/unknown option tga/)
  })
})

describe("Compat.goldenPosts", () => {
  it("gives the posts of each golden file", () => {
    expect(Compat.goldenPosts("alice.all.posts.json")).toHaveLength(120)
    expect(Compat.goldenPosts("alice.range.posts.csv")).toHaveLength(89)
    expect(Compat.goldenPosts("bob.all.posts.json")).toHaveLength(12)
    expect(Compat.goldenPosts("empty.posts.csv")).toEqual([])
    const uris = Compat.goldenPosts("alice.all.posts.json").map((p) => p.uri)
    const golden = JSON.parse(Compat.golden("alice.all.posts.json").toString("utf8")) as Array<{ uri: string }>
    expect(uris).toEqual(golden.map((p) => p.uri))
  })
})

describe("Awkward", () => {
  it("writes rows the core decodes, with warnings, and that are what they claim", () => {
    const db = path.join(dir, "awkward.db")
    const did = "did:plc:awkward22222222222222222"
    const rows = Awkward.rows(did)
    expect(Awkward.writePosts(db, did)).toBe(rows.length)
    expect(new Set(rows.map((r) => r.uri)).size).toBe(rows.length)
    const conn = new Database(db, { readonly: true })
    try {
      const stored = conn.prepare(`SELECT ${Post.selectColumns} FROM posts WHERE did = ?`).raw(true).all(did) as Array<
        Array<unknown>
      >
      const warnings: Array<string> = []
      const posts = stored.map((row) => Post.decodeRow(row, (m) => warnings.push(m)))
      expect(posts).toHaveLength(rows.length)
      expect(warnings.length).toBeGreaterThan(5)
      expect(Math.max(...posts.map((p) => Buffer.byteLength(p.text)))).toBeGreaterThan(1_500_000)
      expect(posts.some((p) => p.text.includes("\u0000"))).toBe(true)
      expect(posts.some((p) => p.embedData !== null && !p.embedData.valid)).toBe(true)
      expect(posts.some((p) => p.likeCount === "9223372036854775807")).toBe(true)
      expect(posts.some((p) => !p.createdAt.valid)).toBe(true)
      expect(conn.prepare("SELECT count(*) FROM posts WHERE typeof(embed_data) = 'blob'").pluck().get()).toBe(2)
    } finally {
      conn.close()
    }
  })
})
