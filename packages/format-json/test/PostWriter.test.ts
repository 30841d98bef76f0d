/**
 * The byte writer against the string renderer it replaces on the hot path:
 * for any post, `PostWriter.post` appends exactly the UTF-8 bytes of
 * `renderPost(post, 1)`.
 */
import { Timestamp } from "@skyporter/core"
import * as Hostile from "@skyporter/testkit/hostile"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { renderPost } from "../src/PostJson.js"
import * as PostWriter from "../src/PostWriter.js"
import { post } from "./helpers.js"

const written = (posts: ReadonlyArray<Parameters<typeof renderPost>[0]>, out = new PostWriter.ByteWriter()): Buffer => {
  out.reset()
  for (const p of posts) PostWriter.post(out, p)
  return Buffer.from(out.view())
}

const rendered = (posts: ReadonlyArray<Parameters<typeof renderPost>[0]>): Buffer =>
  Buffer.from(posts.map((p) => renderPost(p, 1)).join(""), "utf8")

describe("PostWriter.post", () => {
  it("writes the bytes of renderPost for hostile posts", () => {
    fc.assert(
      fc.property(fc.array(Hostile.row, { maxLength: 20 }), (rows) => {
        const posts = Hostile.decode(rows)
        expect(written(posts).equals(rendered(posts))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("falls back to full quoting from the first character that needs it, at any position", () => {
    const awkward = ['"', "\\", "\n", "\u0000", "\u001f", "\u007f", "é", "\u2028", "\u2029", "🚀", "\ud800", "\udfff"]
    const posts = awkward.flatMap((c) => [
      post({ text: c }),
      post({ text: "plain " + c }),
      post({ text: c + " plain" }),
      post({ uri: "at://x/" + c, cid: c, did: "did:plc:" + c, replyParent: c, embedType: c })
    ])
    expect(written(posts).equals(rendered(posts))).toBe(true)
  })

  it("writes timestamps as renderPost does: trimmed, offsets kept, invalid ones as stored", () => {
    const stamps = [
      "2024-04-04T04:04:04.000000000Z",
      "2024-05-09T22:10:00.250-07:00",
      "2025-01-15 10:00:00",
      "2025-01-15 10:00:00.5 +0000 UTC m=+1.5",
      'not a time "quoted" é',
      ""
    ].map(Timestamp.decode)
    const posts = stamps.map((t) => post({ createdAt: t, indexedAt: t, archivedAt: t }))
    expect(written(posts).equals(rendered(posts))).toBe(true)
  })

  it("grows its buffer across posts and reuses it for the next batch", () => {
    const out = new PostWriter.ByteWriter()
    const big = [post({ text: "a".repeat(3_000_000) }), post({ text: "é".repeat(1_500_000) }), post({})]
    expect(written(big, out).equals(rendered(big))).toBe(true)
    const size = out.buffer.length
    const small = [post({ text: "short" })]
    expect(written(small, out).equals(rendered(small))).toBe(true)
    expect(out.buffer.length).toBe(size)
  })
})

describe("PostWriter.post with values built by hand", () => {
  it("writes non-ASCII timestamp parts and counts as renderPost does", () => {
    const odd: Timestamp.Timestamp = {
      text: "x",
      valid: true,
      seconds: "2024-01-01T00:00:0é",
      fraction: "5",
      offset: "Z"
    }
    const posts = [post({ createdAt: odd, indexedAt: odd, archivedAt: null, likeCount: "1é", quoteCount: "é" })]
    expect(written(posts).equals(rendered(posts))).toBe(true)
  })
})
