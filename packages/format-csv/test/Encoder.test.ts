import { describe, expect, it } from "vitest"
import * as Encoder from "../src/Encoder.js"

const plain = Encoder.make({ escapeFormulas: false })
const escaping = Encoder.make({ escapeFormulas: true })

/** One cell encoded on its own (a one-cell record, without its LF). */
const cell = (value: string, encode = plain): string => {
  const out = encode([[value]])
  expect(out.endsWith("\n")).toBe(true)
  return out.slice(0, -1)
}

// The rule, written out independently of csv-stringify, to cross-check it.
const LEADING = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000
])
const mustQuote = (v: string): boolean =>
  v !== "" && (/[,"\r\n]/.test(v) || v === "\\." || LEADING.has(v.charCodeAt(0)))
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"])
const reference = (v: string, escapeFormulas: boolean): string => {
  const body = escapeFormulas && v !== "" && FORMULA_START.has(v[0]!) ? "'" + v : v
  return mustQuote(v) ? `"${body.replaceAll("\"", "\"\"")}"` : body
}

describe("quoting: the README's examples", () => {
  const cases: Array<[string, string]> = [
    ["\\.", "\"\\.\""],
    [" \\.", "\" \\.\""],
    ["\\.\\.", "\\.\\."],
    ["   ", "\"   \""],
    ["\"", "\"\"\"\""],
    ["\x0bvertical tab start", "\"\x0bvertical tab start\""],
    ["\x85NEL start", "\"\x85NEL start\""],
    ["\u3000ideographic space start", "\"\u3000ideographic space start\""],
    ["\ufeffBOM-like start", "\ufeffBOM-like start"],
    ["\u200bzero width space start", "\u200bzero width space start"],
    ["ctrl:\x01|\x08|\x0c|\x1f|\x7f|end", "ctrl:\x01|\x08|\x0c|\x1f|\x7f|end"],
    ["=1+2", "=1+2"]
  ]
  for (const [value, expected] of cases) {
    it(JSON.stringify(value), () => expect(cell(value)).toBe(expected))
  }
})

describe("quoting: the rule", () => {
  it("an empty value is an empty field, never \"\"", () => {
    expect(cell("")).toBe("")
    expect(plain([["", "", ""]])).toBe(",,\n")
    expect(plain([["a", "", "b"]])).toBe("a,,b\n")
  })

  it("quotes values containing , \" CR or LF", () => {
    expect(cell(",")).toBe("\",\"")
    expect(cell("a,b")).toBe("\"a,b\"")
    expect(cell("say \"hi\"")).toBe("\"say \"\"hi\"\"\"")
    expect(cell("a\nb")).toBe("\"a\nb\"")
    expect(cell("a\r\nb")).toBe("\"a\r\nb\"")
    expect(cell("a\rb")).toBe("\"a\rb\"")
    expect(cell("end\r")).toBe("\"end\r\"")
    expect(cell("\nstart")).toBe("\"\nstart\"")
  })

  it("quotes the exact value \\. and nothing like it", () => {
    expect(cell("\\.")).toBe("\"\\.\"")
    for (const v of ["\\.\\.", "\\", ".", "\\.x", "x\\.", "\\..", "\\\\."]) expect(cell(v)).toBe(v)
    expect(cell("\\.\n")).toBe("\"\\.\n\"")
  })

  it("quotes a value whose first character is whitespace or a line break", () => {
    for (const code of LEADING) {
      const v = String.fromCharCode(code) + "x"
      expect(cell(v), code.toString(16)).toBe(`"${v}"`)
      expect(cell(String.fromCharCode(code)), code.toString(16)).toBe(`"${String.fromCharCode(code)}"`)
    }
  })

  it("does not quote for such characters after the first", () => {
    for (const code of LEADING) {
      if (code === 0x0a || code === 0x0d) continue
      const v = "x" + String.fromCharCode(code) + "y"
      expect(cell(v), code.toString(16)).toBe(v)
    }
    expect(cell("trailing space ")).toBe("trailing space ")
  })

  it("does not quote other leading characters", () => {
    for (const v of ["\ufeffx", "\u200bx", "\u200cx", "\u2060x", "\u180ex", "\x7fx", "\x00x", "\x01x", "\x1cx", "\x1fx", "=x", "+x", "-x", "@x", "'x", "#x"]) {
      expect(cell(v), JSON.stringify(v)).toBe(v)
    }
  })

  it("writes control characters, CR and LF raw: no escaping but doubled quotes", () => {
    expect(cell("a\x00b\x1bc")).toBe("a\x00b\x1bc")
    expect(cell("q\"\r\n\"")).toBe("\"q\"\"\r\n\"\"\"")
    expect(cell("back\\slash")).toBe("back\\slash")
    expect(cell("'single'")).toBe("'single'")
  })

  it("keeps astral characters, emoji and RTL text as they are", () => {
    for (const v of ["🚀", "👩‍👩‍👧‍👦 family", "مرحبا", "שלום", "日本語、テスト。", "e\u0301", "\ud83d"]) expect(cell(v)).toBe(v)
  })

  it("ends every record with LF, the last one included", () => {
    expect(plain([["a", "b"], ["c", "d"]])).toBe("a,b\nc,d\n")
    expect(plain([])).toBe("")
  })

  it("agrees with the written-out rule on many generated values", () => {
    const alphabet = ["a", "Z", "0", " ", ",", "\"", "\r", "\n", "\t", "\x0b", "\x0c", "\\", ".", "=", "-", "+", "@", "'",
      "\x85", "\xa0", "\u1680", "\u2000", "\u2005", "\u200a", "\u200b", "\u2028", "\u2029", "\u202f", "\u205f",
      "\u3000", "\ufeff", "\x7f", "\x01", "é", "🚀", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
    const values: Array<string> = ["\\.", ""]
    for (let i = 0; i < 4000; i++) {
      let v = ""
      const length = next() % 5
      for (let k = 0; k < length; k++) v += alphabet[next() % alphabet.length]
      values.push(v)
    }
    for (const escapeFormulas of [false, true]) {
      const encode = Encoder.make({ escapeFormulas })
      const rows = []
      for (let i = 0; i + 3 <= values.length; i += 3) rows.push(values.slice(i, i + 3))
      const expected = rows.map((row) => row.map((v) => reference(v, escapeFormulas)).join(",") + "\n").join("")
      expect(encode(rows)).toBe(expected)
    }
  })
})

describe("escapeFormulas", () => {
  it("prefixes cells starting with = + - @ with an apostrophe", () => {
    expect(cell("=1+2", escaping)).toBe("'=1+2")
    expect(cell("+1", escaping)).toBe("'+1")
    expect(cell("-1", escaping)).toBe("'-1")
    expect(cell("@SUM(A1)", escaping)).toBe("'@SUM(A1)")
    expect(cell("=", escaping)).toBe("'=")
  })

  it("prefixes TAB and CR starts; the quoting is decided on the original value", () => {
    expect(cell("\tx", escaping)).toBe("\"'\tx\"")
    expect(cell("\rx", escaping)).toBe("\"'\rx\"")
    expect(cell("=a,b", escaping)).toBe("\"'=a,b\"")
    expect(cell("=\"x\"", escaping)).toBe("\"'=\"\"x\"\"\"")
  })

  it("prefixes the full-width = + - @ as well", () => {
    for (const c of ["\uff1d", "\uff0b", "\uff0d", "\uff20"]) expect(cell(c + "1", escaping)).toBe("'" + c + "1")
  })

  it("leaves every other cell alone", () => {
    for (const v of ["", "a=1", " =1", "\n=1", "\x0b=1", "'=1", "\ufeff=1", "1-2", "\\."]) {
      expect(cell(v, escaping), JSON.stringify(v)).toBe(cell(v))
    }
  })
})

describe("configuration", () => {
  it("the quoted_match pattern carries no state between cells", () => {
    expect(Encoder.QUOTED_MATCH.global).toBe(false)
    expect(Encoder.QUOTED_MATCH.sticky).toBe(false)
    expect(plain([[" a", " b"], [" c", "d"]])).toBe("\" a\",\" b\"\n\" c\",d\n")
  })

  it("writes no BOM and no header itself", () => {
    expect(plain([["a"]])).toBe("a\n")
    expect(Encoder.stringifyOptions({ escapeFormulas: false })).toMatchObject({ bom: false, header: false })
  })

  it("the header line", () => {
    expect(Encoder.HEADER_LINE).toBe(
      "URI,CID,DID,Text,CreatedAt,LikeCount,RepostCount,ReplyCount,QuoteCount,IsReply,ReplyParent,HasMedia,MediaFiles,EmbedType,IndexedAt\n"
    )
    expect(Encoder.BOM).toBe("\uFEFF")
    expect(Buffer.from(Encoder.BOM, "utf8")).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
  })
})
