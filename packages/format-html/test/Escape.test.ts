import { describe, expect, it } from "vitest"
import { html, scriptJson } from "../src/Escape.js"

describe("scriptJson", () => {
  it("leaves no `<` for the HTML parser, and parses back to the same value", () => {
    const value = ["</script><script>alert(1)</script>", "<!-- <script>", "\u2028\u2029", "</SCRIPT >"]
    const text = scriptJson(JSON.stringify(value))
    expect(text).not.toMatch(/[<\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(value)
  })

  it("keeps every other character, lone surrogates escaped by JSON.stringify included", () => {
    const value = "a\u0000b\ud800c\u202e\u200b\ufeff>&"
    expect(JSON.parse(scriptJson(JSON.stringify(value)))).toBe(value)
  })

  it("copes with a 100 KB text of `<`", () => {
    const value = "<".repeat(100_000)
    const text = scriptJson(JSON.stringify(value))
    expect(text.length).toBe(600_002)
    expect(JSON.parse(text)).toBe(value)
  })
})

describe("html", () => {
  it("writes markup characters as entities", () => {
    expect(html(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
    )
    expect(html("plain, ünïcode ✓")).toBe("plain, ünïcode ✓")
  })
})
