import { describe, expect, it } from "vitest"
import { segments } from "../src/Linkify.js"

const hrefs = (text: string) => segments(text).flatMap((s) => (typeof s === "string" ? [] : [s[2]]))
const joined = (text: string) =>
  segments(text)
    .map((s) => (typeof s === "string" ? s : s[1]))
    .join("")

describe("segments", () => {
  it("links addresses, mentions and hashtags", () => {
    expect(segments("see https://example.com/a?b=1&c=2, @alice.bsky.social and #caturday!")).toEqual([
      "see ",
      [0, "https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"],
      ", ",
      [1, "@alice.bsky.social", "https://bsky.app/profile/alice.bsky.social"],
      " and ",
      [2, "#caturday", "https://bsky.app/hashtag/caturday"],
      "!"
    ])
  })

  it("gives a text with nothing to link as one string, and none for an empty text", () => {
    expect(segments("just words, a@b.com, #123, 1#a")).toEqual(["just words, a@b.com, #123, 1#a"])
    expect(segments("")).toEqual([])
  })

  it("never links another scheme", () => {
    for (const text of [
      "javascript:alert(1)",
      "JaVaScRiPt://x.com/%0aalert(1)",
      "data:text/html,<script>x</script>",
      "vbscript:x",
      "file:///etc/passwd"
    ]) {
      expect(hrefs(text)).toEqual([])
    }
    expect(hrefs("javascript:https://x.com")).toEqual(["https://x.com"])
    for (const href of hrefs("a http://a.b b https://c.d www.e.f")) expect(href).toMatch(/^https?:\/\//)
  })

  it("keeps markup as text", () => {
    const text = `<script>alert(1)</script><img src=x onerror="alert(2)"> https://x.com/"><script>`
    expect(joined(text)).toBe(text)
    expect(hrefs(text)).toEqual(["https://x.com/"])
  })

  it("leaves sentence punctuation out of an address but keeps balanced parentheses", () => {
    expect(hrefs("(https://en.wikipedia.org/wiki/Foo_(bar)). Next")).toEqual([
      "https://en.wikipedia.org/wiki/Foo_(bar)"
    ])
    expect(hrefs("https://example.com/path.")).toEqual(["https://example.com/path"])
  })

  it("ends an address at invisible and direction-changing characters", () => {
    expect(hrefs("https://a.example/x\u200bhttps://b.example")).toEqual(["https://a.example/x", "https://b.example"])
    expect(hrefs("https://a.example/\u202egnp.exe")).toEqual(["https://a.example/"])
    expect(joined("\u202eRTL \u05e9\u05dc\u05d5\u05dd #\u05e9\u05dc\u05d5\u05dd \u200b\u200d\ufeff")).toBe(
      "\u202eRTL \u05e9\u05dc\u05d5\u05dd #\u05e9\u05dc\u05d5\u05dd \u200b\u200d\ufeff"
    )
    expect(hrefs("#\u05e9\u05dc\u05d5\u05dd")).toEqual([
      `https://bsky.app/hashtag/${encodeURIComponent("\u05e9\u05dc\u05d5\u05dd")}`
    ])
  })

  it("gives back every character of any text, in order", () => {
    const texts = [
      "a\r\nb\u0000c\u2028",
      "🏳️‍🌈 #️⃣ #tag‍ @x.y",
      "@@a.b ##c https://https://x.y",
      "\ud800 lone https://x.y/\udfff"
    ]
    for (const text of texts) expect(joined(text)).toBe(text)
    expect(hrefs("#\ufe0f\u20e3 1\ufe0f\u20e3 #_ #\u0301x")).toEqual([])
    expect(hrefs("#caf\u00e9 #x\u0301 #2024_recap")).toEqual([
      "https://bsky.app/hashtag/caf%C3%A9",
      "https://bsky.app/hashtag/x%CC%81",
      "https://bsky.app/hashtag/2024_recap"
    ])
  })

  it("handles a 100 KB post of links and tags quickly and completely", () => {
    const text = "word https://example.com/x #tag @a.bsky.social ".repeat(2_200)
    expect(text.length).toBeGreaterThan(100_000)
    const parts = segments(text)
    expect(parts.filter((s) => typeof s !== "string")).toHaveLength(6_600)
    expect(joined(text)).toBe(text)
    const long = "x".repeat(100_000)
    expect(segments(long)).toEqual([long])
    expect(segments(`https://a.b/${long}`)).toEqual([[0, `https://a.b/${long}`, `https://a.b/${long}`]])
  })
})
