import { describe, expect, it } from "vitest"
import * as Handle from "../dist/Handle.js"

describe("Handle.parse", () => {
  it("takes handles with or without @, lowercased", () => {
    expect(Handle.parse("alice.bsky.social")).toBe("alice.bsky.social")
    expect(Handle.parse("@Alice.Bsky.Social")).toBe("alice.bsky.social")
    expect(Handle.parse("xn--ls8h.test")).toBe("xn--ls8h.test")
    expect(Handle.parse("a.b-c.io")).toBe("a.b-c.io")
    expect(Handle.parse("1password.com")).toBe("1password.com")
    const longest = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`
    expect(longest.length).toBe(Handle.MAX_LENGTH)
    expect(Handle.parse(longest)).toBe(longest)
  })

  it("refuses DIDs and whatever else is no handle", () => {
    for (const value of [
      "did:plc:abcdefghijklmnopqrstuvwx",
      "xyz",
      "",
      "@",
      "@@alice.bsky.social",
      "alice",
      "alice.bsky.social.",
      ".alice.bsky.social",
      "alice..social",
      "-alice.bsky.social",
      "alice-.bsky.social",
      "alice.bsky.123",
      "alice bsky.social",
      "alice_b.bsky.social",
      "älice.bsky.social",
      `${"a".repeat(64)}.com`,
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`
    ]) {
      expect(Handle.parse(value), value).toBeUndefined()
    }
  })
})
