/**
 * The json sink's `writeRecords` against its `write`: for any rows, the
 * bytes written from the stored records equal those written from the
 * decoded posts, with the same warnings in the same order; and the records
 * it should write itself (valid text, integers, timestamps, stored JSON) it
 * does write, declining only the rest.
 */
import { Post, Timestamp } from "@skyporter/core"
import { FieldKind, fromRows, RecordBatch, RECORD_FIELDS } from "@skyporter/core/RecordBatch"
import * as Hostile from "@skyporter/testkit/hostile"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeSink } from "../src/JsonFormat.js"
import * as PostWriter from "../src/PostWriter.js"
import * as RecordWriter from "../src/RecordWriter.js"

type Row = ReadonlyArray<unknown>

const COLUMNS = RECORD_FIELDS

type Column = (typeof COLUMNS)[number]

const BASE: Row = [
  "at://did:plc:abc/app.bsky.feed.post/3kabc",
  "bafyreiabc",
  "did:plc:abc",
  "hello world",
  "2024-01-15T10:30:00.123Z",
  "2024-01-15T10:30:01.456Z",
  1,
  12,
  3,
  4,
  0,
  0,
  "at://did:plc:xyz/app.bsky.feed.post/3kxyz",
  "app.bsky.embed.images",
  '{"$type":"app.bsky.embed.images#view","images":[{"alt":"","fullsize":"https://x/y@jpeg"}]}',
  "[]",
  "2025-01-15 10:00:00"
]

/** The base row with some columns replaced. */
const row = (over: Partial<Record<Column, unknown>> = {}): Row =>
  COLUMNS.map((c, f) => (Object.hasOwn(over, c) ? over[c] : BASE[f]))

/** Warnings of one batch in the order the core settles them: by post, each post's in the order they came. */
class Collected {
  readonly items: Array<{ readonly post: number; readonly message: string }> = []
  current = 0
  readonly warn: Post.Warn = (message, post) => {
    this.items.push({ post: post ?? this.current, message })
  }
  sorted(): Array<string> {
    return [...this.items].sort((a, b) => a.post - b.post).map((w) => w.message)
  }
}

/** Records of `rows` whose `post(i)` decodes row i as the core does, into `warnings`. */
const recordsOf = (rows: ReadonlyArray<Row>, warnings: Collected): RecordBatch =>
  fromRows(rows, (r, i) => {
    warnings.current = i
    return Post.decodeRow(r, warnings.warn, i)
  })

/** One batch through `write`: rows decoded first, as the core does, then written. */
const viaWrite = (rows: ReadonlyArray<Row>, offset = 0) => {
  const warnings = new Collected()
  const posts = rows.map((r, i) => {
    warnings.current = i
    return Post.decodeRow(r, warnings.warn, i)
  })
  const bytes = Buffer.from(makeSink().write(posts, { offset }) as Uint8Array)
  return { bytes, warnings: warnings.sorted() }
}

/** One batch through `writeRecords`. */
const viaRecords = (records: RecordBatch, warnings: Collected, offset = 0) => {
  const sink = makeSink()
  const bytes = Buffer.from(sink.writeRecords!(records, { offset }) as Uint8Array)
  return { bytes, warnings: warnings.sorted() }
}

const expectSame = (actual: { bytes: Buffer; warnings: Array<string> }, expected: typeof actual) => {
  expect(actual.bytes.toString("utf8")).toBe(expected.bytes.toString("utf8"))
  expect(actual.bytes.equals(expected.bytes)).toBe(true)
  expect(actual.warnings).toEqual(expected.warnings)
}

/** Whether RecordWriter writes each record itself, after checking the sink's batch bytes and warnings. */
const compare = (rows: ReadonlyArray<Row>, offset = 0): Array<boolean> => {
  const warnings = new Collected()
  const records = recordsOf(rows, warnings)
  expectSame(viaRecords(records, warnings, offset), viaWrite(rows, offset))
  return accepted(records)
}

/** For each record: whether `record` writes it (and then, the bytes `PostWriter.post` writes for its post). */
const accepted = (records: RecordBatch): Array<boolean> => {
  const out = new PostWriter.ByteWriter()
  const result: Array<boolean> = []
  for (let i = 0; i < records.length; i++) {
    out.reset()
    out.byte(0x21)
    const ok = RecordWriter.record(out, records, i * RecordWriter.FIELDS)
    if (!ok) {
      expect(out.length).toBe(1)
    } else {
      const expected = new PostWriter.ByteWriter()
      expected.byte(0x21)
      PostWriter.post(expected, records.post(i))
      expect(Buffer.from(out.view()).toString("utf8")).toBe(Buffer.from(expected.view()).toString("utf8"))
    }
    result.push(ok)
  }
  return result
}

/** Records of one row with `column` replaced by raw stored bytes, decoded by `post(0)` as the core would (U+FFFD). */
const withBytes = (column: Column, raw: Uint8Array, warnings: Collected): RecordBatch => {
  const f = COLUMNS.indexOf(column)
  const decoded = row({ [column]: Buffer.from(raw).toString("utf8") })
  const batch = new RecordBatch((i) => {
    warnings.current = i
    return Post.decodeRow(decoded, warnings.warn, i)
  })
  const plain = fromRows([row()], () => {
    throw new Error("unused")
  })
  const k = batch.add()
  for (let g = 0; g < RecordWriter.FIELDS; g++) {
    const at = batch.reserve(raw.length + 200)
    const bytes = g === f ? raw : plain.bytes.subarray(plain.starts[g]!, plain.ends[g]!)
    batch.kinds[k + g] = g === f ? FieldKind.Text : plain.kinds[g]!
    batch.numbers[k + g] = plain.numbers[g]!
    batch.bytes.set(bytes, at)
    batch.starts[k + g] = at
    batch.ends[k + g] = at + bytes.length
    batch.used += bytes.length
  }
  return batch
}

describe("RecordWriter.record", () => {
  it("writes an ordinary post itself", () => {
    expect(compare([row()])).toEqual([true])
  })

  it("escapes text from its bytes: every control character, quotes, U+2028/9, non-ASCII, astral", () => {
    const controls = Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)).join("")
    const texts = [
      controls,
      '"quoted" and \\back\\slashed\\',
      "\u007f\u0080\u00ff é ß",
      "line\u2028separator\u2029paragraph",
      "\u2027\u202a\u2000",
      "🚀 👩‍👩‍👧 🇫🇷 1️⃣ 𝕏",
      "中文 العربية עברית",
      "\ufeffBOM first",
      "\ufffe\uffff\u{10ffff}\u{10000}",
      "<>&/",
      ""
    ]
    const rows = texts.flatMap((t) => [
      row({ text: t }),
      row({ uri: t, cid: t + t, did: "did:" + t }),
      row({ replyParent: t, embedType: t })
    ])
    expect(compare(rows).every((ok) => ok)).toBe(true)
  })

  it("declines text that is not well-formed UTF-8, which post(i) writes as the core decoded it", () => {
    const invalid = [
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xc2],
      [0xc2, 0x41],
      [0xe0, 0x80, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xe2, 0x80],
      [0xe2, 0x28, 0xa1],
      [0xf0, 0x80, 0x80, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf0, 0x9f, 0x98],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xff],
      [0xfe]
    ]
    const valid = [
      [0xc2, 0x80],
      [0xdf, 0xbf],
      [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xee, 0x80, 0x80],
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf]
    ]
    for (const column of ["uri", "cid", "did", "text", "replyParent", "embedType", "embedData", "labels"] as const) {
      const json = column === "embedData" || column === "labels"
      for (const [list, expected] of [
        [invalid, false],
        [valid, true]
      ] as const) {
        for (const seq of list) {
          // Inside a JSON string for stored JSON, between ASCII for text.
          const raw = Buffer.concat([
            Buffer.from(json ? '["a' : "a"),
            Buffer.from(seq),
            Buffer.from(json ? 'b"]' : "b")
          ])
          const warnings = new Collected()
          const records = withBytes(column, raw, warnings)
          expect(accepted(records), `${column} ${Buffer.from(seq).toString("hex")}`).toEqual([expected])
          const fromPosts = new Collected()
          fromPosts.current = 0
          const out = new PostWriter.ByteWriter()
          PostWriter.post(out, Post.decodeRow(row({ [column]: raw.toString("utf8") }), fromPosts.warn, 0))
          const sink = Buffer.from(makeSink().writeRecords!(records, { offset: 1 }) as Uint8Array)
          expect(sink.equals(Buffer.concat([Buffer.from(",\n  "), out.view()]))).toBe(true)
        }
      }
    }
  })

  const VALID_TIMESTAMPS = [
    "2024-01-15T10:30:00.123Z",
    "2024-01-15T10:30:00Z",
    "2024-01-15T10:30:00.000Z",
    "2024-01-15T10:30:00.100Z",
    "2024-01-15T10:30:00.123456789Z",
    "2024-01-15T10:30:00.120000000Z",
    "2024-01-15T10:30:00.5z",
    "2024-01-15T10:30:00",
    "2024-01-15t10:30:00.25+05:30",
    "2024-01-15T10:30:00-08:00",
    "2024-01-15T10:30:00+00:00",
    "2024-01-15T10:30:00.0-00:00",
    "2024-01-15T23:59:59+23:59",
    "2024-01-15 10:30:00",
    "2024-01-15 10:30:00.750",
    "2024-01-15 10:30:00.5+01:00",
    "2024-01-15 10:30:00.5 +0000 UTC m=+1.5",
    "2024-01-15 10:30:00 +0530 IST",
    "2024-01-15 10:30:00.000001 -0800 PST m=-3",
    "2024-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z"
  ]

  const INVALID_TIMESTAMPS = [
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2024-04-31T00:00:00Z",
    "2024-00-10T00:00:00Z",
    "2024-01-00T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:60:00Z",
    "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00.1234567890Z",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00.",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+01:60",
    "2024-01-01T00:00:00+0100",
    "2024-01-01T00:00:00+01:00Z",
    "2024-01-01T00:00:00ZZ",
    "2024-01-01T00:00:00 Z",
    "2024-01-01X00:00:00Z",
    "2024/01/01T00:00:00Z",
    " 2024-01-01T00:00:00Z",
    "2024-01-01",
    "2024-01-01T00:00:00é",
    "２０２４-01-01T00:00:00Z",
    "soon",
    "",
    1700000000,
    1.5,
    null
  ]

  it("writes every timestamp spelling Timestamp accepts, and declines the rest (they warn)", () => {
    for (const t of [...VALID_TIMESTAMPS, ...INVALID_TIMESTAMPS]) {
      const valid = typeof t === "string" && Timestamp.decode(t).valid
      expect(VALID_TIMESTAMPS.includes(t as string), String(t)).toBe(valid)
      const rows = [row({ createdAt: t }), row({ indexedAt: t }), row({ archivedAt: t })]
      // A NULL archived_at is left out, which is no warning.
      expect(compare(rows), String(t)).toEqual([valid, valid, valid || t === null])
    }
  })

  it("writes repeated archived_at values from its memory of the last one, valid or not", () => {
    const stamps = ["2025-01-15 10:00:00", "2025-01-15 10:00:00", "2025-01-15 10:00:01", "2025-01-15 10:00:00"]
    const rows = [...stamps, "later", "later", "2025-01-15 10:00:00.5", "2025-01-15 10:00:00.50", ...stamps].map((t) =>
      row({ archivedAt: t })
    )
    expect(compare(rows)).toEqual(rows.map((r) => r[16] !== "later"))
  })

  it("takes NULL where decoding gives a value without warning, and declines it where decoding warns", () => {
    const expected: Record<Column, boolean> = {
      uri: true,
      cid: true,
      did: true,
      text: true,
      createdAt: false,
      indexedAt: false,
      hasMedia: true,
      likeCount: false,
      repostCount: false,
      replyCount: false,
      quoteCount: false,
      isReply: true,
      replyParent: true,
      embedType: true,
      embedData: true,
      labels: true,
      archivedAt: true
    }
    for (const c of COLUMNS) expect(compare([row({ [c]: null })]), c).toEqual([expected[c]])
    expect(compare([row(Object.fromEntries(COLUMNS.map((c) => [c, null])))])).toEqual([false])
  })

  it("writes integer counts and flags, and declines counts and flags of any other kind", () => {
    const counts = [
      0,
      -0,
      1,
      9,
      10,
      99,
      100,
      123456789,
      -1,
      -10,
      -987654321,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      1e15,
      1e15 + 1
    ]
    expect(compare(counts.map((n) => row({ likeCount: n, repostCount: n, replyCount: n, quoteCount: n })))).toEqual(
      counts.map(() => true)
    )
    const odd = ["007", "-0", "12", "9223372036854775807", "many", "", 1.5, -2.5, 1e300, 2 ** 64, 5n, Number.NaN]
    for (const c of ["likeCount", "repostCount", "replyCount", "quoteCount"] as const) {
      expect(compare(odd.map((v) => row({ [c]: v }))), c).toEqual(odd.map(() => false))
    }
    const flags = [0, 1, 2, -1, 2 ** 53 - 1]
    expect(compare(flags.map((v) => row({ hasMedia: v, isReply: v })))).toEqual(flags.map(() => true))
    const oddFlags = ["", "0", "1", "true", "false", "FALSE", "yes", 1n, 0n, 0.5]
    expect(compare(oddFlags.map((v) => row({ hasMedia: v })))).toEqual(oddFlags.map(() => false))
    expect(compare(oddFlags.map((v) => row({ isReply: v })))).toEqual(oddFlags.map(() => false))
  })

  it("declines text columns stored as numbers or BLOBs, and lone surrogates", () => {
    const values = [42, 1.5, 2n ** 70n, Buffer.from("blob"), "\ud800", "a\udfffb"]
    for (const c of ["uri", "cid", "did", "text", "replyParent", "embedType", "embedData", "labels"] as const) {
      expect(compare(values.map((v) => row({ [c]: v }))), c).toEqual(values.map(() => false))
    }
  })

  it("lays out stored JSON from its bytes when well-formed, leaves out '', declines the rest (it warns)", () => {
    const valid = [
      "null",
      "[]",
      "{}",
      "0",
      '"text"',
      '  {"a" : [1, -2.5e-3, 1E+400, true, false, null], "b": {"c": {}}}  ',
      '{\r\n\t"nested": [[[[{"deep": [[]]}]]]]\n}',
      '{"u": "é 中 🚀 \u2028 \\u2028 \\ud83d\\ude80 \\"q\\" \\\\ \\/"}',
      '["\ufeff"]',
      JSON.stringify({ $type: "app.bsky.embed.external#view", external: { uri: "https://x", title: "t" } }),
      "[" + "[".repeat(200) + "]".repeat(200) + "]"
    ]
    const invalid = ["{", "[1,]", "{'a':1}", "NaN", "\ufeff{}", '{"a":1}x', '"\t"', "01", "-", '"\\x"', "[1 2]", " "]
    for (const c of ["embedData", "labels"] as const) {
      expect(compare(valid.map((v) => row({ [c]: v }))), c).toEqual(valid.map(() => true))
      expect(compare(invalid.map((v) => row({ [c]: v }))), c).toEqual(invalid.map(() => false))
      expect(compare([row({ [c]: "" })]), c).toEqual([true])
    }
    // Both invalid in one post: two warnings, embed_data's first.
    expect(compare([row({ embedData: "{", labels: "[" })])).toEqual([false])
  })

  it("writes the same bytes whatever the batch's offset in the export (the first post has no comma)", () => {
    const rows = [row(), row({ text: "second", createdAt: null }), row({ labels: "{" }), row({ text: "last" })]
    for (const offset of [0, 1, 5]) compare(rows, offset)
    // Cut anywhere, the batches add up to the export written as one batch by `write`.
    const whole = Buffer.concat([Buffer.from("["), viaWrite(rows).bytes, Buffer.from("\n]\n")])
    for (let cut = 0; cut <= rows.length; cut++) {
      const sink = makeSink({ total: rows.length })
      const parts = [rows.slice(0, cut), rows.slice(cut)].map((part, p) =>
        Buffer.from(sink.writeRecords!(recordsOf(part, new Collected()), { offset: p === 0 ? 0 : cut }) as Uint8Array)
      )
      const joined = Buffer.concat([Buffer.from(sink.start!() as string), ...parts, Buffer.from(sink.end!() as string)])
      expect(joined.equals(whole), `cut at ${cut}`).toBe(true)
    }
  })

  it("equals write, bytes and warnings, for hostile rows at any offset", () => {
    fc.assert(
      fc.property(fc.array(Hostile.row, { maxLength: 20 }), fc.nat(3), (hostile, offset) => {
        compare(
          hostile.map((h) => h.row),
          offset
        )
      }),
      { numRuns: 400 }
    )
  })
})
