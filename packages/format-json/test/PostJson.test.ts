import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Timestamp } from "@skyporter/core"
import type { Post } from "@skyporter/core"
import { compactRawJson, renderPost, renderPostCompact } from "../src/index.js"
import { compatArchive, post, readPosts } from "./helpers.js"

const full = post({
  text: 'line\nbreak "quoted" <b>&</b> \u2028 🚀',
  hasMedia: true,
  isReply: true,
  likeCount: "9007199254740991",
  repostCount: "12345678901234567890",
  replyCount: "-5",
  quoteCount: "0",
  replyParent: "at://did:plc:other/app.bsky.feed.post/3xyz",
  embedType: "images",
  embedData: { text: '{ "images" : [ { "fullsize" : "x@jpeg", "n": 1.0 } ], "e": {} }', valid: true },
  labels: { text: "[]", valid: true },
  createdAt: Timestamp.decode("2024-05-09T22:10:00.250-07:00"),
  indexedAt: Timestamp.decode("2025-01-15 10:00:00"),
  archivedAt: Timestamp.decode("2024-04-04T04:04:04.000000000Z")
})

describe("renderPost", () => {
  it("writes every key in order at nesting level 1", () => {
    expect(renderPost(full, 1)).toBe(
      `{
    "uri": "at://did:plc:test/app.bsky.feed.post/3abc",
    "cid": "bafyreitest",
    "did": "did:plc:test",
    "text": "line\\nbreak \\"quoted\\" <b>&</b> \\u2028 🚀",
    "created_at": "2024-05-09T22:10:00.25-07:00",
    "indexed_at": "2025-01-15T10:00:00Z",
    "has_media": true,
    "like_count": 9007199254740991,
    "repost_count": 12345678901234567890,
    "reply_count": -5,
    "quote_count": 0,
    "is_reply": true,
    "reply_parent": "at://did:plc:other/app.bsky.feed.post/3xyz",
    "embed_type": "images",
    "embed_data": {
      "images": [
        {
          "fullsize": "x@jpeg",
          "n": 1.0
        }
      ],
      "e": {}
    },
    "labels": [],
    "archived_at": "2024-04-04T04:04:04Z"
  }`
    )
  })

  it("indents for other levels", () => {
    const minimal = post({ archivedAt: null })
    expect(renderPost(minimal, 0)).toBe(
      `{
  "uri": "at://did:plc:test/app.bsky.feed.post/3abc",
  "cid": "bafyreitest",
  "did": "did:plc:test",
  "text": "hello",
  "created_at": "2024-01-02T03:04:05.6Z",
  "indexed_at": "2024-01-02T03:04:05.6Z",
  "has_media": false,
  "like_count": 1,
  "repost_count": 2,
  "reply_count": 3,
  "quote_count": 4,
  "is_reply": false
}`
    )
    const at3 = renderPost(full, 3)
    expect(at3).toContain('\n        "uri": ')
    expect(at3).toContain('\n          "images": [\n')
    expect(at3.endsWith("\n      }")).toBe(true)
    expect(JSON.parse(at3)).toEqual(JSON.parse(renderPost(full, 1)))
    expect(() => renderPost(full, -1)).toThrow(RangeError)
  })

  it("omits empty reply_parent and embed_type, absent embed_data and labels, and a NULL archived_at", () => {
    const out = renderPost(post({ replyParent: "", embedType: "", embedData: null, labels: null, archivedAt: null }), 1)
    for (const key of ["reply_parent", "embed_type", "embed_data", "labels", "archived_at"]) {
      expect(out).not.toContain(`"${key}"`)
    }
    expect(out).toContain('"text": "hello"')
    expect(renderPost(post({ text: "" }), 1)).toContain('"text": ""')
  })

  it("writes stored JSON text null as null", () => {
    const out = renderPost(post({ embedData: { text: "null", valid: true }, labels: { text: "null", valid: true } }), 1)
    expect(out).toContain('\n    "embed_data": null,\n    "labels": null,\n')
  })

  it("writes invalid timestamps as their stored text, escaped", () => {
    const out = renderPost(post({ createdAt: Timestamp.decode('not a "date"\n'), indexedAt: Timestamp.decode("") }), 1)
    expect(out).toContain('"created_at": "not a \\"date\\"\\n"')
    expect(out).toContain('"indexed_at": ""')
  })

  it("keeps counts valid JSON numbers even if handed leading zeros", () => {
    const out = renderPost(post({ likeCount: "007", repostCount: "-0", replyCount: "-012", quoteCount: "x" }), 0)
    const o = JSON.parse(out)
    expect([o.like_count, o.repost_count, o.reply_count, o.quote_count]).toEqual([7, 0, -12, "x"])
  })
})

describe("renderPostCompact", () => {
  it("writes one line without whitespace outside strings", () => {
    expect(renderPostCompact(full)).toBe(
      '{"uri":"at://did:plc:test/app.bsky.feed.post/3abc","cid":"bafyreitest","did":"did:plc:test",' +
        '"text":"line\\nbreak \\"quoted\\" <b>&</b> \\u2028 🚀","created_at":"2024-05-09T22:10:00.25-07:00",' +
        '"indexed_at":"2025-01-15T10:00:00Z","has_media":true,"like_count":9007199254740991,' +
        '"repost_count":12345678901234567890,"reply_count":-5,"quote_count":0,"is_reply":true,' +
        '"reply_parent":"at://did:plc:other/app.bsky.feed.post/3xyz","embed_type":"images",' +
        '"embed_data":{"images":[{"fullsize":"x@jpeg","n":1.0}],"e":{}},"labels":[],' +
        '"archived_at":"2024-04-04T04:04:04Z"}'
    )
  })

  it("writes invalid stored JSON as a string", () => {
    const o = JSON.parse(renderPostCompact(post({ embedData: { text: "{ broken", valid: false } })))
    expect(o.embed_data).toBe("{ broken")
  })

  describe("on the fixture posts", () => {
    let archive: ReturnType<typeof compatArchive>
    let posts: Array<Post.Post>
    beforeAll(() => {
      archive = compatArchive()
      posts = ["did:plc:alice", "did:plc:bob", "did:plc:carol", "did:plc:alice2", "did:plc:ALICE"].flatMap(
        (did) => readPosts(archive.path, did).posts
      )
    })
    afterAll(() => archive.cleanup())

    it("parses back with JSON.parse to the same values as the indented form", () => {
      expect(posts.length).toBeGreaterThan(140)
      for (const p of posts) {
        const line = renderPostCompact(p)
        expect(line).not.toContain("\n")
        expect(JSON.parse(line)).toEqual(JSON.parse(renderPost(p, 1)))
      }
    })

    it("is the indented form with whitespace outside strings removed", () => {
      for (const p of posts) expect(renderPostCompact(p)).toBe(compactRawJson(renderPost(p, 1)))
    })
  })
})
