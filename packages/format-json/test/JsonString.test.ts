import { describe, expect, it } from "vitest"
import { quoteString } from "../src/index.js"

/** Go 1.22+ `encoding/json` (HTML escaping off) for one character below U+0020. */
const goControl = (code: number): string => {
  switch (code) {
    case 0x08:
      return "\\b"
    case 0x09:
      return "\\t"
    case 0x0a:
      return "\\n"
    case 0x0c:
      return "\\f"
    case 0x0d:
      return "\\r"
    default:
      return "\\u00" + (code < 16 ? "0" : "") + code.toString(16)
  }
}

describe("quoteString", () => {
  it("escapes every control character U+0000–U+001F as Go does", () => {
    for (let code = 0; code < 0x20; code++) {
      const c = String.fromCharCode(code)
      expect(quoteString(c), `U+${code.toString(16).padStart(4, "0")}`).toBe(`"${goControl(code)}"`)
      expect(quoteString(`a${c}b`)).toBe(`"a${goControl(code)}b"`)
    }
    expect(quoteString("\u001f")).toBe('"\\u001f"')
    expect(quoteString("\u000b")).toBe('"\\u000b"')
  })

  it("escapes quote and backslash only", () => {
    expect(quoteString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"')
    expect(quoteString("\\u2028 typed as text")).toBe('"\\\\u2028 typed as text"')
    expect(quoteString("a/b")).toBe('"a/b"')
  })

  it("escapes U+2028 and U+2029 wherever they are", () => {
    expect(quoteString("\u2028")).toBe('"\\u2028"')
    expect(quoteString("\u2029")).toBe('"\\u2029"')
    expect(quoteString("line\u2028sep\u2029para\u2028")).toBe('"line\\u2028sep\\u2029para\\u2028"')
  })

  it("writes <, > and & raw", () => {
    expect(quoteString("<b>&amp;</b>")).toBe('"<b>&amp;</b>"')
  })

  it("writes other non-ASCII raw: DEL, NEL, NBSP, BOM, ZWSP, emoji, CJK, RTL", () => {
    const raw = "\u007f\u0085\u00a0\ufeff\u200b🚀👩‍👩‍👧‍👦🇫🇷👍🏽1️⃣ 日本語、テスト。 مرحبا שלום é\ufffd𝄞"
    expect(quoteString(raw)).toBe(`"${raw}"`)
  })

  it("writes the empty string", () => {
    expect(quoteString("")).toBe('""')
  })

  it("writes lone surrogates as \\udxxx escapes", () => {
    expect(quoteString("\ud800")).toBe('"\\ud800"')
    expect(quoteString("x\udfffy")).toBe('"x\\udfffy"')
    expect(quoteString("🚀\ud83d")).toBe('"🚀\\ud83d"')
  })

  it("round-trips through JSON.parse", () => {
    let all = ""
    for (let code = 0; code < 0x3000; code++) {
      if (code < 0xd800 || code > 0xdfff) all += String.fromCharCode(code)
    }
    expect(JSON.parse(quoteString(all))).toBe(all)
  })
})
