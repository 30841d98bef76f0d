import type { Post } from "@skyporter/plugin"
import { Sink } from "@skyporter/testkit"
import { describe, expect, it } from "vitest"
import markdownPlugin, { escapeLine, text, webUrl } from "../src/index.js"

const post = (over: Partial<Post> = {}): Post =>
  Sink.post({
    uri: "at://did:plc:abc/app.bsky.feed.post/3kabc",
    did: "did:plc:abc",
    likeCount: "3",
    repostCount: "1",
    ...over
  })

const render = async (posts: ReadonlyArray<Post>, options: unknown = {}) =>
  (await Sink.bytes(markdownPlugin, [posts], options)).toString("utf8")

describe("the plugin object", () => {
  it("is written for API 2", () => {
    expect(markdownPlugin).toMatchObject({ name: "markdown", extension: "md", apiVersion: 2 })
  })

  it("rejects options it does not know and values of the wrong type", async () => {
    await expect(render([], { titel: "x" })).rejects.toThrow(/titel/)
    await expect(render([], { titel: "x" })).rejects.toThrow(/did you mean title/)
    await expect(render([], { links: "yes" })).rejects.toThrow(/option "links": expected boolean.*, got "yes"/)
    // Checks beyond the type: one non-blank line of at most 200 characters.
    await expect(render([], { title: " padded" })).rejects.toThrow(/option "title"/)
    await expect(render([], { title: "" })).rejects.toThrow(/option "title"/)
  })
})

describe("the document", () => {
  it("is a title and one section per post", async () => {
    expect(await render([post(), post({ text: "second", likeCount: "1", isReply: true, embedType: "images" })])).toBe(
      "# Bluesky posts\n" +
        "\n## 2024-05-09T22:10:00.25Z\n\nhello\n\n3 likes · 1 repost · 0 replies · 0 quotes · " +
        "[view on Bluesky](<https://bsky.app/profile/did:plc:abc/post/3kabc>)\n" +
        "\n## 2024-05-09T22:10:00.25Z\n\nsecond\n\n1 like · 1 repost · 0 replies · 0 quotes · a reply · embed: images · " +
        "[view on Bluesky](<https://bsky.app/profile/did:plc:abc/post/3kabc>)\n"
    )
  })

  it("says so when there are no posts", async () => {
    expect(await render([])).toBe("# Bluesky posts\n\n*No posts.*\n")
  })

  it("takes a title and can leave links out", async () => {
    const doc = await render([post()], { title: "Mine #1", links: false })
    expect(doc.startsWith("# Mine \\#1\n")).toBe(true)
    expect(doc).not.toContain("bsky.app")
  })

  it("writes an unreadable or empty created_at as it is", async () => {
    expect(
      await render([post({ createdAt: { text: "yesterday", valid: false, seconds: "", fraction: "", offset: "" } })])
    ).toContain("\n## yesterday\n")
    expect(
      await render([post({ createdAt: { text: "", valid: false, seconds: "", fraction: "", offset: "" } })])
    ).toContain("\n## (no date)\n")
  })
})

describe("text", () => {
  it("escapes what Markdown would read as syntax", () => {
    expect(escapeLine("*a* _b_ `c` [d](e) <f> #g | ~h & !")).toBe(
      "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\<f\\> \\#g \\| \\~h \\& \\!"
    )
    expect(escapeLine("- item")).toBe("\\- item")
    expect(escapeLine("12. item")).toBe("12\\. item")
    expect(escapeLine("> quote")).toBe("\\> quote")
    expect(escapeLine("    code?")).toBe("&#32;&#32;&#32;&#32;code?")
    expect(escapeLine("a\u0000b\u001fc\td")).toBe("a\ufffdb\ufffdc\td")
  })

  it("keeps line breaks as hard breaks and blank lines as paragraphs", () => {
    expect(text("one\ntwo\r\nthree\rfour")).toBe("one\\\ntwo\\\nthree\\\nfour")
    expect(text("one\n\n\ntwo")).toBe("one\n\ntwo")
    expect(text("")).toBe("*(no text)*")
    expect(text(" \n \n")).toBe("*(no text)*")
  })

  it("links post uris to bsky.app and nothing else", () => {
    expect(webUrl("at://did:plc:abc/app.bsky.feed.post/3k")).toBe("https://bsky.app/profile/did:plc:abc/post/3k")
    expect(webUrl('at://did:plc:abc/app.bsky.feed.post/3k"x y')).toBe(
      "https://bsky.app/profile/did:plc:abc/post/3k%22x%20y"
    )
    expect(webUrl("https://example.com/")).toBeUndefined()
  })
})
