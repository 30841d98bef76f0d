import { Timestamp, type Post } from "@skyporter/core"
import * as Hostile from "@skyporter/testkit/hostile"
import { stringify } from "csv-stringify/sync"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Columns from "../src/Columns.js"
import * as Encoder from "../src/Encoder.js"
import { post as basePost } from "./support.js"

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
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000
])
const mustQuote = (v: string): boolean =>
  v !== "" && (/[,"\r\n]/.test(v) || v === "\\." || LEADING.has(v.charCodeAt(0)))
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"])
const reference = (v: string, escapeFormulas: boolean): string => {
  const body = escapeFormulas && v !== "" && FORMULA_START.has(v[0]!) ? "'" + v : v
  return mustQuote(v) ? `"${body.replaceAll('"', '""')}"` : body
}

describe("quoting: the README's examples", () => {
  const cases: Array<[string, string]> = [
    ["\\.", '"\\."'],
    [" \\.", '" \\."'],
    ["\\.\\.", "\\.\\."],
    ["   ", '"   "'],
    ['"', '""""'],
    ["\x0bvertical tab start", '"\x0bvertical tab start"'],
    ["\x85NEL start", '"\x85NEL start"'],
    ["\u3000ideographic space start", '"\u3000ideographic space start"'],
    ["\ufeffBOM-like start", "\ufeffBOM-like start"],
    ["\u200bzero width space start", "\u200bzero width space start"],
    ["ctrl:\x01|\x08|\x0c|\x1f|\x7f|end", "ctrl:\x01|\x08|\x0c|\x1f|\x7f|end"],
    ["=1+2", "=1+2"]
  ]
  it.each(cases)("%j", (value, expected) => expect(cell(value)).toBe(expected))
})

describe("quoting: the rule", () => {
  it('an empty value is an empty field, never ""', () => {
    expect(cell("")).toBe("")
    expect(plain([["", "", ""]])).toBe(",,\n")
    expect(plain([["a", "", "b"]])).toBe("a,,b\n")
  })

  it('quotes values containing , " CR or LF', () => {
    expect(cell(",")).toBe('","')
    expect(cell("a,b")).toBe('"a,b"')
    expect(cell('say "hi"')).toBe('"say ""hi"""')
    expect(cell("a\nb")).toBe('"a\nb"')
    expect(cell("a\r\nb")).toBe('"a\r\nb"')
    expect(cell("a\rb")).toBe('"a\rb"')
    expect(cell("end\r")).toBe('"end\r"')
    expect(cell("\nstart")).toBe('"\nstart"')
  })

  it("quotes the exact value \\. and nothing like it", () => {
    expect(cell("\\.")).toBe('"\\."')
    for (const v of ["\\.\\.", "\\", ".", "\\.x", "x\\.", "\\..", "\\\\."]) expect(cell(v)).toBe(v)
    expect(cell("\\.\n")).toBe('"\\.\n"')
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
    for (const v of [
      "\ufeffx",
      "\u200bx",
      "\u200cx",
      "\u2060x",
      "\u180ex",
      "\x7fx",
      "\x00x",
      "\x01x",
      "\x1cx",
      "\x1fx",
      "=x",
      "+x",
      "-x",
      "@x",
      "'x",
      "#x"
    ]) {
      expect(cell(v), JSON.stringify(v)).toBe(v)
    }
  })

  it("writes control characters, CR and LF raw: no escaping but doubled quotes", () => {
    expect(cell("a\x00b\x1bc")).toBe("a\x00b\x1bc")
    expect(cell('q"\r\n"')).toBe('"q""\r\n"""')
    expect(cell("back\\slash")).toBe("back\\slash")
    expect(cell("'single'")).toBe("'single'")
  })

  it("keeps astral characters, emoji and RTL text as they are", () => {
    for (const v of ["🚀", "👩‍👩‍👧‍👦 family", "مرحبا", "שלום", "日本語、テスト。", "e\u0301", "\ud83d"]) {
      expect(cell(v)).toBe(v)
    }
  })

  it("ends every record with LF, the last one included", () => {
    expect(
      plain([
        ["a", "b"],
        ["c", "d"]
      ])
    ).toBe("a,b\nc,d\n")
    expect(plain([])).toBe("")
  })

  it("agrees with the written-out rule on many generated values", () => {
    const alphabet = [
      "a",
      "Z",
      "0",
      " ",
      ",",
      '"',
      "\r",
      "\n",
      "\t",
      "\x0b",
      "\x0c",
      "\\",
      ".",
      "=",
      "-",
      "+",
      "@",
      "'",
      "\x85",
      "\xa0",
      "\u1680",
      "\u2000",
      "\u2005",
      "\u200a",
      "\u200b",
      "\u2028",
      "\u2029",
      "\u202f",
      "\u205f",
      "\u3000",
      "\ufeff",
      "\x7f",
      "\x01",
      "é",
      "🚀",
      "\uff1d",
      "\uff0b",
      "\uff0d",
      "\uff20"
    ]
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
    expect(cell("\tx", escaping)).toBe('"\'\tx"')
    expect(cell("\rx", escaping)).toBe('"\'\rx"')
    expect(cell("=a,b", escaping)).toBe('"\'=a,b"')
    expect(cell('="x"', escaping)).toBe('"\'=""x"""')
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
    expect(
      plain([
        [" a", " b"],
        [" c", "d"]
      ])
    ).toBe('" a"," b"\n" c",d\n')
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

// ---------------------------------------------------------------------------
// The encoder against csv-stringify, the oracle: same bytes for any input.

/** What csv-stringify writes for rows with the configuration the encoder reproduces. */
const oracle = (rows: ReadonlyArray<ReadonlyArray<string>>, escapeFormulas: boolean): string =>
  stringify(rows as Array<Array<string>>, Encoder.stringifyOptions({ escapeFormulas }))

const utf8 = (chunk: string | Uint8Array): Buffer =>
  typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk)

/** Code units and pieces the rule, formula escaping or UTF-8 conversion treat specially. */
const SPECIAL_UNITS = [
  ",",
  '"',
  "\r",
  "\n",
  "\r\n",
  "\\",
  ".",
  "\\.",
  "'",
  "=",
  "+",
  "-",
  "@",
  "#",
  "\uff1d",
  "\uff0b",
  "\uff0d",
  "\uff20", // full-width = + - @
  ...[...LEADING].map((code) => String.fromCharCode(code)),
  "\u200b",
  "\u200c",
  "\u2060",
  "\u180e",
  "\ufeff",
  "\u00ad",
  "\x00",
  "\x01",
  "\x1c",
  "\x1f",
  "\x7f",
  "\x84",
  "\x86",
  "\u1fff",
  "\u200b",
  "\u2027",
  "\u202a",
  "\u205e",
  "\u2fff",
  "\u3001",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "\ud83d\ude80",
  "\u{1f469}\u200d\u{1f469}\u200d\u{1f467}",
  "é",
  "日本"
]

/** One UTF-16 unit or code point: any at all (lone surrogates included), often a special one. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_UNITS) },
  { weight: 2, arbitrary: fc.constantFrom("a", "Z", "0", "9", "x", "post") },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) }
)

/** Any string, biased to the values where the rule has edges. */
const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 20, maxLength: 200 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "\\.",
      " \\.",
      "\\.\\.",
      "\\.\n",
      "\\.\r",
      "\\",
      ".",
      '"',
      '""',
      ",",
      "   ",
      "\t",
      "\r",
      "\n",
      "=",
      "-",
      "-0",
      "-12",
      "0",
      "true",
      "false",
      "=1+2",
      "=a,b",
      "\t=x",
      "\r=x",
      "\u3000",
      "\ud800"
    )
  }
)

const rowOf = (field: fc.Arbitrary<string>) => fc.array(field, { minLength: 0, maxLength: 16 })

/** Splits items at the given cut points (sorted, deduplicated, within bounds). */
const splitAt = <A>(items: ReadonlyArray<A>, cuts: ReadonlyArray<number>): Array<ReadonlyArray<A>> => {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b)
  const out: Array<ReadonlyArray<A>> = []
  let start = 0
  for (const p of points) {
    out.push(items.slice(start, p))
    start = p
  }
  out.push(items.slice(start))
  return out
}

describe("same bytes as csv-stringify (the oracle)", () => {
  for (const escapeFormulas of [false, true]) {
    describe(`escapeFormulas: ${escapeFormulas}`, () => {
      const encode = Encoder.make({ escapeFormulas })
      const cellOf = Encoder.makeCell({ escapeFormulas })

      it("any single cell", () => {
        fc.assert(
          fc.property(anyText, (value) => {
            expect(cellOf(value)).toBe(oracle([[value]], escapeFormulas).slice(0, -1))
          }),
          { numRuns: 5000 }
        )
      })

      it("any rows of any strings, encoded whole", () => {
        fc.assert(
          fc.property(fc.array(rowOf(anyText), { maxLength: 30 }), (rows) => {
            expect(encode(rows)).toBe(oracle(rows, escapeFormulas))
          }),
          { numRuns: 1000 }
        )
      })

      it("any rows split into batches anywhere", () => {
        fc.assert(
          fc.property(
            fc.array(rowOf(anyText), { maxLength: 30 }),
            fc.array(fc.nat(), { maxLength: 6 }),
            (rows, cuts) => {
              const parts = splitAt(rows, cuts)
              const expected = oracle(rows, escapeFormulas)
              expect(parts.map(encode).join("")).toBe(expected)
              expect(Buffer.concat(parts.map((part) => utf8(encode(part)))).equals(utf8(expected))).toBe(true)
            }
          ),
          { numRuns: 500 }
        )
      })

      it("rows longer than one segment", () => {
        fc.assert(
          fc.property(
            fc.array(rowOf(fc.string({ unit, minLength: 100, maxLength: 400 })), { minLength: 40, maxLength: 80 }),
            (rows) => {
              expect(encode(rows)).toBe(oracle(rows, escapeFormulas))
            }
          ),
          { numRuns: 20 }
        )
      })
    })
  }
})

// ---------------------------------------------------------------------------
// The per-post encoder (the sink's path) against csv-stringify over Columns.toRow.

/** Counts: mostly the core's `-?\d+`, sometimes anything. */
const countText = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("-", "--1", "1-", "0-0", "") },
  { weight: 2, arbitrary: anyText }
)

/** Timestamps: decoded from well-formed, odd or arbitrary text, or built by hand with any fields. */
const timestamp: fc.Arbitrary<Timestamp.Timestamp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        "2024-06-30T23:59:59.999999999Z",
        "2024-05-13T00:00:00.123456789-03:30",
        "2024-05-12T00:00:00.000+00:00",
        "2025-01-15 10:00:00.250",
        "2024-01-15 10:30:00.123 +0000 UTC m=+1.2",
        "0000-01-01T00:00:00Z",
        ""
      )
      .map(Timestamp.decode)
  },
  { weight: 2, arbitrary: anyText.map(Timestamp.decode) },
  {
    weight: 2,
    arbitrary: fc.record({
      text: anyText,
      valid: fc.boolean(),
      seconds: fc.oneof(anyText, fc.constantFrom("2024-01-02T03:04:05", "9999-12-31T23:59:59", "2024-01-02T03:04:0,")),
      fraction: anyText,
      offset: fc.oneof(anyText, fc.constantFrom("Z", "+05:30", "-03:30", ",", '"'))
    })
  }
)

/** embed_data: NULL, image / link embeds with arbitrary URLs, or arbitrary text. */
const embedData: fc.Arbitrary<Post.RawJson | null> = fc.oneof(
  fc.constant(null),
  fc.array(anyText, { maxLength: 3 }).map((names) => ({
    text: JSON.stringify({
      images: names.map((n) => ({ fullsize: `https://cdn/x/${n}@jpeg` })),
      external: { thumb: `https://t/${names[0] ?? ""}` }
    }),
    valid: true
  })),
  fc.record({ text: anyText, valid: fc.boolean() })
)

const anyPost: fc.Arbitrary<Post.Post> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        uri: anyText,
        cid: anyText,
        did: anyText,
        text: anyText,
        createdAt: timestamp,
        indexedAt: timestamp,
        likeCount: countText,
        repostCount: countText,
        replyCount: countText,
        quoteCount: countText,
        isReply: fc.boolean(),
        replyParent: anyText,
        hasMedia: fc.boolean(),
        embedType: anyText,
        embedData
      })
      .map((fields) => basePost(fields))
  },
  // Posts as the core decodes them from hostile rows.
  { weight: 1, arbitrary: Hostile.row.map((r) => Hostile.decode([r])[0]!) }
)

describe("posts: same bytes as csv-stringify over Columns.toRow", () => {
  for (const escapeFormulas of [false, true]) {
    it(`escapeFormulas: ${escapeFormulas}, any posts in any batches`, () => {
      const encodeBatch = Encoder.makeBatch({ escapeFormulas })
      const encodePost = Encoder.makePost({ escapeFormulas })
      fc.assert(
        fc.property(fc.array(anyPost, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 5 }), (posts, cuts) => {
          const expected = oracle(posts.map(Columns.toRow), escapeFormulas)
          expect(posts.map(encodePost).join("")).toBe(expected)
          const chunks = splitAt(posts, cuts).map(encodeBatch)
          expect(Buffer.concat(chunks.map(utf8)).equals(utf8(expected))).toBe(true)
        }),
        { numRuns: 1000 }
      )
    })
  }

  it("a batch longer than one segment comes back as UTF-8 bytes, a short one as text", () => {
    const encodeBatch = Encoder.makeBatch({ escapeFormulas: false })
    const long = Array.from({ length: 400 }, (_, i) =>
      basePost({ text: `post ${i} \u{1f680} ${'é, "x" '.repeat(i % 50)}\ud800` })
    )
    const chunk = encodeBatch(long)
    expect(chunk).toBeInstanceOf(Uint8Array)
    expect(utf8(chunk).equals(utf8(oracle(long.map(Columns.toRow), false)))).toBe(true)
    expect(encodeBatch(long.slice(0, 2))).toBeTypeOf("string")
    expect(encodeBatch([])).toBe("")
  })
})

describe("cells that are not strings", () => {
  it("are refused with a TypeError (rows hold strings only)", () => {
    for (const value of [Symbol("x"), 1, null, undefined, {}]) {
      expect(() => plain([[value as unknown as string]])).toThrow(TypeError)
      expect(() => escaping([["a", value as unknown as string]])).toThrow(TypeError)
    }
  })
})
