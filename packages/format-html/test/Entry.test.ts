import { Timestamp } from "@skyporter/core"
import { Sink } from "@skyporter/testkit"
import { describe, expect, it } from "vitest"
import { embed, entry, labels } from "../src/Entry.js"

const raw = (value: unknown) => ({ text: JSON.stringify(value), valid: true, parse: () => value })

describe("entry", () => {
  it("writes a post as the array the page reads", () => {
    const post = Sink.post({
      text: "hi #tag",
      likeCount: "9223372036854775807",
      isReply: true,
      replyParent: "at://p",
      hasMedia: true
    })
    expect(JSON.parse(entry(post))).toEqual([
      "at://did:plc:example/app.bsky.feed.post/3kexample",
      ["hi ", [2, "#tag", "https://bsky.app/hashtag/tag"]],
      "2024-05-09T22:10:00.25Z",
      "9223372036854775807",
      "0",
      "0",
      "0",
      "at://p",
      1,
      0,
      0,
      1
    ])
  })

  it("keeps a date it cannot read as the stored text", () => {
    expect(JSON.parse(entry(Sink.post({ text: "", createdAt: Timestamp.decode("yesterday") })))[2]).toEqual([
      "yesterday"
    ])
    expect(JSON.parse(entry(Sink.post({ text: "", createdAt: Timestamp.decode("") })))[1]).toBe("")
  })

  it("ignores embed and label values it cannot read", () => {
    const broken = { text: "{broken", valid: false }
    expect(JSON.parse(entry(Sink.post({ embedData: broken, labels: broken })))[9]).toBe(0)
    for (const v of [null, 1, "x", [], {}, { images: "no" }, { record: 5 }]) expect(embed(v)).toBe(0)
    for (const v of [null, {}, [], [{ val: "" }], [{ val: "x", neg: true }], [5]]) expect(labels(v)).toBe(0)
    expect(labels([{ val: "porn" }, { val: "spam", neg: false }, { __proto__: { val: "inherited" } }])).toEqual([
      "porn",
      "spam"
    ])
  })

  it("reduces each embed kind to what its card shows", () => {
    const cid = "bafkreihz2bp3ppq7u6vlhyjalx4uftqr6udnuhyyffdnj73ztbjvsvsxve"
    const images = {
      images: [
        { fullsize: `https://cdn/x/${cid}@png`, alt: "a cat", aspectRatio: { width: 4, height: 3 } },
        { fullsize: 7 }
      ]
    }
    expect(embed(images)).toEqual({
      i: [
        [expect.stringMatching(/^media\/[0-9a-f]{64}\.png$/), "a cat", 4, 3],
        ["", "", 0, 0]
      ]
    })
    expect(embed({ external: { uri: "javascript:alert(1)", title: "t", description: "d" } })).toEqual({
      x: ["", "t", "d", ""]
    })
    expect(embed({ external: { uri: "https://e.com", title: "t" } })).toEqual({ x: ["https://e.com", "t", "", ""] })
    expect(embed({ playlist: "https://v/p.m3u8", alt: "clip" })).toEqual({ v: ["clip"] })
    const quoted = {
      uri: "at://did:plc:q/app.bsky.feed.post/1",
      author: { handle: "q.bsky.social", displayName: "Q" },
      value: { text: "quoted", createdAt: "2024-01-01T00:00:00Z" }
    }
    expect(embed({ record: quoted })).toEqual({
      q: [quoted.uri, "q.bsky.social", "Q", "quoted", "2024-01-01T00:00:00Z"]
    })
    expect(embed({ record: { uri: "at://gone", notFound: true } })).toEqual({ q: ["at://gone"] })
    expect(embed({ record: { record: quoted }, media: images })).toEqual({
      i: embed(images) !== 0 ? (embed(images) as { i: unknown }).i : 0,
      q: embed({ record: quoted }) !== 0 ? (embed({ record: quoted }) as { q: unknown }).q : 0
    })
    expect(embed({ record: { record: quoted }, media: { playlist: "p" } })).toMatchObject({ v: [""] })
    expect(embed({ media: { external: { uri: "https://e.com" } }, record: { record: quoted } })).toMatchObject({
      x: ["https://e.com", "", "", ""]
    })
  })

  it("reads an embed's JSON once, through the post's own parse", () => {
    let parses = 0
    const embedData = { text: "{}", valid: true, parse: () => (parses++, { external: { uri: "https://e.com" } }) }
    expect(JSON.parse(entry(Sink.post({ embedData })))[9]).toEqual({ x: ["https://e.com", "", "", ""] })
    expect(parses).toBe(1)
    expect(JSON.parse(entry(Sink.post({ labels: raw([{ val: "x" }]) })))[10]).toEqual(["x"])
  })
})
