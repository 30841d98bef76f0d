/**
 * `writeRecords` against `write`, byte for byte and warning for warning:
 * rows are turned into records (`RecordBatch.fromRows`) for one path and
 * decoded by the core for the other, over hostile values. Each test also
 * checks which posts were handed over as `post(i)`, so that a sink that
 * refused every record would not pass.
 */
import { Post } from "@skyporter/core"
import { FIELDS, fromRows, RecordBatch } from "@skyporter/core/RecordBatch"
import { FieldKind } from "@skyporter/plugin"
import { Synthetic } from "@skyporter/testkit"
import * as Hostile from "@skyporter/testkit/hostile"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import Database from "better-sqlite3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSink } from "../src/CsvPlugin.js"
import { timestampSpelling } from "./support.js"

type Row = ReadonlyArray<unknown>
type Options = { readonly escapeFormulas: boolean }
const BOTH: ReadonlyArray<Options> = [{ escapeFormulas: false }, { escapeFormulas: true }]

const column = {
  uri: 0,
  cid: 1,
  did: 2,
  text: 3,
  createdAt: 4,
  indexedAt: 5,
  hasMedia: 6,
  likeCount: 7,
  repostCount: 8,
  replyCount: 9,
  quoteCount: 10,
  isReply: 11,
  replyParent: 12,
  embedType: 13,
  embedData: 14,
  labels: 15,
  archivedAt: 16
} as const

/** A plain row that the fast path writes. */
const base: Row = [
  "at://did:plc:test/app.bsky.feed.post/3kabc",
  "bafyreitest",
  "did:plc:test",
  "hello",
  "2024-01-02T03:04:05.678Z",
  "2024-01-02T03:04:06Z",
  0,
  1,
  2,
  3,
  4,
  0,
  "",
  "",
  null,
  null,
  "2024-02-01 00:00:00"
]

/** `base` with some columns replaced. */
const row = (fields: Partial<Record<keyof typeof column, unknown>>): Row => {
  const out = [...base]
  for (const [name, value] of Object.entries(fields)) out[column[name as keyof typeof column]] = value
  return out
}

const chunkBytes = (chunk: string | Uint8Array): Buffer =>
  typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk)

interface Output {
  readonly bytes: Buffer
  /** Warnings in post order, as the core settles them: `post: message`. */
  readonly warnings: Array<string>
  /** The posts (by export position) a sink asked for with `post(i)`. */
  readonly asked: Array<number>
}

const settle = (items: Array<{ post: number; message: string }>) =>
  items.sort((a, b) => a.post - b.post).map((w) => `${w.post}: ${w.message}`)

/** The data lines `write` gives for the rows decoded by the core, in batches of `size`. */
const viaWrite = (rows: ReadonlyArray<Row>, options: Options, size = Infinity): Output => {
  const sink = makeSink({ bom: false, ...options })
  const warnings: Array<{ post: number; message: string }> = []
  const chunks: Array<Buffer> = []
  for (let offset = 0; offset < rows.length; offset += Math.min(size, rows.length)) {
    const batch = rows
      .slice(offset, offset + size)
      .map((r, i) => Post.decodeRow(r, (message, post) => warnings.push({ post: offset + (post ?? i), message }), i))
    chunks.push(chunkBytes(sink.write(batch, { offset }) as string | Uint8Array))
  }
  return { bytes: Buffer.concat(chunks), warnings: settle(warnings), asked: [] }
}

/** The data lines `writeRecords` gives for records of the same rows; `edit` may change a batch's bytes. */
const viaRecords = (
  rows: ReadonlyArray<Row>,
  options: Options,
  size = Infinity,
  edit: (batch: RecordBatch, offset: number) => void = () => {}
): Output => {
  const sink = makeSink({ bom: false, ...options })
  const warnings: Array<{ post: number; message: string }> = []
  const asked: Array<number> = []
  const chunks: Array<Buffer> = []
  for (let offset = 0; offset < rows.length; offset += Math.min(size, rows.length)) {
    const batch = fromRows(rows.slice(offset, offset + size), (r, i) => {
      asked.push(offset + i)
      return Post.decodeRow(r, (message, post) => warnings.push({ post: offset + (post ?? i), message }), i)
    })
    edit(batch, offset)
    chunks.push(chunkBytes(sink.writeRecords!(batch, { offset }) as string | Uint8Array))
  }
  return { bytes: Buffer.concat(chunks), warnings: settle(warnings), asked }
}

/** Checks both paths agree on rows; returns the posts `writeRecords` asked for. */
const same = (rows: ReadonlyArray<Row>, options: Options, size = Infinity): Array<number> => {
  const expected = viaWrite(rows, options)
  const actual = viaRecords(rows, options, size)
  expect(actual.bytes.toString("utf8")).toBe(expected.bytes.toString("utf8"))
  expect(actual.bytes.equals(expected.bytes)).toBe(true)
  expect(actual.warnings).toEqual(expected.warnings)
  return actual.asked
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

const QUOTE_FIRST = ["\t", "\n", "\u000b", "\f", "\r", " ", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2005", "\u200a"]
const QUOTE_FIRST_MORE = ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
/** Characters next to the list that must not quote: the neighbours of each range, in UTF-8. */
const NOT_QUOTE_FIRST = [
  "\u0084",
  "\u00a1",
  "\u1681",
  "\u1fff",
  "\u200b",
  "\u2027",
  "\u202a",
  "\u202e",
  "\u2060",
  "\u205e",
  "\u3001",
  "\u2fff"
]
const FORMULA_FIRST = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
const NOT_FORMULA_FIRST = ["\uff1c", "\uff0c", "\uff21", "\uff0a", "\uff1e", "'", "#", "!"]
const TEXT_COLUMNS = ["uri", "cid", "did", "text", "replyParent", "embedType"] as const

describe("text cells from bytes", () => {
  it("quote, double quotes and prefix formulas as the encoder does, without asking for posts", () => {
    const values = [
      ...[...QUOTE_FIRST, ...QUOTE_FIRST_MORE, ...NOT_QUOTE_FIRST, ...FORMULA_FIRST, ...NOT_FORMULA_FIRST].flatMap(
        (c) => [c, `${c}x`, `x${c}`, `x${c}y`]
      ),
      ...[",", '"', "\n", "\r", '""', "\r\n"].flatMap((c) => [c, `${c}a`, `a${c}`, `a${c}b`]),
      "\\.",
      "\\.x",
      "x\\.",
      "\\",
      ".",
      "",
      "plain",
      "🦋 astral first",
      "𝕏=",
      "日本語, with comma",
      '👩‍👩‍👧 "family"',
      "\u0000nul",
      "\ufeffbom",
      "\uffff\ufffe",
      "\u{10ffff}",
      "x".repeat(70) + '"' + "y".repeat(70),
      "é".repeat(100),
      "=".repeat(200)
    ]
    for (const options of BOTH) {
      for (const name of TEXT_COLUMNS) {
        const rows = values.map((v) => row({ [name]: v }))
        expect(same(rows, options), `${name}, ${JSON.stringify(options)}`).toEqual([])
      }
    }
  })

  it("write NULL text as an empty cell; other kinds are asked for", () => {
    for (const options of BOTH) {
      for (const name of TEXT_COLUMNS) {
        expect(same([row({ [name]: null })], options)).toEqual([])
        expect(
          same([row({ [name]: -5 }), row({ [name]: 1.5 }), row({ [name]: Buffer.from("blob") })], options)
        ).toEqual([0, 1, 2])
        // A lone surrogate cannot be stored text: fromRows gives it as another kind.
        expect(same([row({ [name]: "\ud800x" })], options)).toEqual([0])
      }
    }
  })
})

/** Sets slot `k` of a batch to stored text `bytes` (UTF-8 or not). */
const setBytes = (batch: RecordBatch, k: number, bytes: ReadonlyArray<number>) => {
  const at = batch.reserve(bytes.length)
  batch.bytes.set(bytes, at)
  batch.used += bytes.length
  batch.kinds[k] = FieldKind.Text
  batch.starts[k] = at
  batch.ends[k] = at + bytes.length
}

const INVALID_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xe0, 0x9f, 0xbf],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0x80],
  [0x61, 0xbf],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0xa6],
  [0xc3]
]
const VALID_EDGES: ReadonlyArray<ReadonlyArray<number>> = [
  [0xed, 0x9f, 0xbf],
  [0xee, 0x80, 0x80],
  [0xef, 0xbf, 0xbf],
  [0xf4, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80],
  [0xc2, 0x80],
  [0xe0, 0xa0, 0x80]
]

describe("bytes that are not UTF-8", () => {
  /**
   * Post 1 of two holds `bytes` in field `f`; its decoded post holds what a
   * UTF-8 decoder makes of them (U+FFFD for each bad sequence).
   */
  const expectPost1 = (
    f: number,
    bytes: ReadonlyArray<number>,
    options: Options,
    asked: Array<number>,
    first = base
  ) => {
    const value = Buffer.from(bytes).toString("utf8")
    const rows = [first, [...first.slice(0, f), value, ...first.slice(f + 1)]]
    const expected = viaWrite(rows, options)
    const actual = viaRecords(rows, options, Infinity, (batch) => setBytes(batch, FIELDS + f, bytes))
    expect(actual.bytes.equals(expected.bytes), `field ${f}, bytes ${bytes}`).toBe(true)
    expect(actual.warnings).toEqual(expected.warnings)
    expect(actual.asked, `field ${f}, bytes ${bytes}`).toEqual(asked)
  }

  it("are refused, in any text column, at the start, middle or end, and written from post(i)", () => {
    for (const options of BOTH) {
      for (const name of [...TEXT_COLUMNS, "embedData"] as const) {
        for (const bad of INVALID_UTF8) {
          for (const bytes of [bad, [0x61, ...bad, 0x62], [0x2c, ...bad]]) {
            if (name === "embedData") {
              // embed_data is read only with has_media set.
              const json = [...Buffer.from('{"images":[{"fullsize":"https://x/'), ...bytes, ...Buffer.from('@jpeg"}]}')]
              expectPost1(column.embedData, json, options, [1], row({ hasMedia: 1 }))
            } else expectPost1(column[name], bytes, options, [1])
          }
        }
      }
    }
  })

  it("well-formed sequences at the edges of the ranges are written from bytes", () => {
    for (const options of BOTH) {
      for (const name of TEXT_COLUMNS) {
        for (const good of VALID_EDGES) expectPost1(column[name], [...good, 0x2c], options, [])
      }
    }
  })

  it("in a timestamp, are asked for (never a timestamp: decoding warns)", () => {
    for (const f of [column.createdAt, column.indexedAt, column.archivedAt]) {
      expectPost1(f, [...Buffer.from("2024-01-02T03:04:05"), 0xff], BOTH[0]!, [1])
      expectPost1(f, [...Buffer.from("2024-01-02T03:04:05Z"), 0xc3], BOTH[0]!, [1])
    }
  })
})

describe("flags and counts", () => {
  it("integers are written from bytes; everything else is asked for", () => {
    for (const options of BOTH) {
      const integers = [
        0,
        1,
        -1,
        7,
        10,
        99,
        100,
        -100,
        2 ** 31,
        2 ** 32 + 1,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER
      ]
      for (const name of ["likeCount", "repostCount", "replyCount", "quoteCount"] as const) {
        expect(
          same(
            integers.map((n) => row({ [name]: n })),
            options
          )
        ).toEqual([])
        for (let n = 1; n < 2 ** 53; n = n * 3 + 1)
          expect(same([row({ [name]: n }), row({ [name]: -n })], options)).toEqual([])
        const others = [
          null,
          "007",
          "12",
          "-0",
          "9223372036854775807",
          1.5,
          -2.5,
          1e300,
          Number.NaN,
          "many",
          "",
          Buffer.from("1")
        ]
        expect(
          same(
            others.map((v) => row({ [name]: v })),
            options
          )
        ).toEqual(range(others.length))
      }
      for (const name of ["hasMedia", "isReply"] as const) {
        expect(
          same(
            [0, 1, 2, -1, null].map((v) => row({ [name]: v })),
            options
          )
        ).toEqual([])
        const others = ["", "0", "1", "false", "FALSE", "yes", 0.5, Buffer.from("1")]
        expect(
          same(
            others.map((v) => row({ [name]: v })),
            options
          )
        ).toEqual(range(others.length))
      }
    }
  })
})

const VALID_TIMESTAMPS = [
  "2024-01-02T03:04:05Z",
  "2024-01-02T03:04:05z",
  "2024-01-02t03:04:05Z",
  "2024-01-02 03:04:05",
  "2024-01-02T03:04:05",
  "2024-01-02T03:04:05.1Z",
  "2024-01-02T03:04:05.123456789Z",
  "2024-01-02T03:04:05.000+00:00",
  "2024-01-02T03:04:05-00:00",
  "2024-01-02T03:04:05+05:30",
  "2024-01-02T03:04:05.5-23:59",
  "2024-01-02 03:04:05.250 +0000 UTC",
  "2024-01-02 03:04:05.250 -0130 EST m=+12.5",
  "2024-01-02 03:04:05 +0900 m=-1",
  "2024-02-29T00:00:00Z",
  "2000-02-29T23:59:59Z",
  "0000-02-29T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "2024-01-02T03:04:05.9999+14:00"
]
const INVALID_TIMESTAMPS = [
  "",
  "soon",
  "2024-01-02",
  "2024-01-02T03:04:05.Z",
  "2024-01-02T03:04:05.1234567890Z",
  "2023-02-29T00:00:00Z",
  "1900-02-29T00:00:00Z",
  "2024-04-31T00:00:00Z",
  "2024-13-01T00:00:00Z",
  "2024-00-01T00:00:00Z",
  "2024-01-00T00:00:00Z",
  "2024-01-02T24:00:00Z",
  "2024-01-02T23:60:00Z",
  "2024-01-02T23:00:60Z",
  "2024-01-02T03:04:05+24:00",
  "2024-01-02T03:04:05+05:60",
  "2024-01-02T03:04:05+0530",
  "2024-01-02T03:04:05+05:3",
  "2024-01-02T03:04:05 Z",
  " 2024-01-02T03:04:05Z",
  "2024-01-02T03:04:05ZZ",
  "2024-01-02X03:04:05Z",
  "2024/01/02T03:04:05Z",
  "2024-01-02 03:04:05 +0000 UTC m=x",
  "١٩٧٠-01-01T00:00:00Z",
  "2024-01-02T03:04:05Z\n"
]

describe("timestamps", () => {
  it("every accepted spelling is written from bytes; others are asked for (they warn)", () => {
    for (const options of BOTH) {
      for (const name of ["createdAt", "indexedAt", "archivedAt"] as const) {
        expect(
          same(
            VALID_TIMESTAMPS.map((t) => row({ [name]: t })),
            options
          ),
          name
        ).toEqual([])
        const invalid = [...INVALID_TIMESTAMPS, 20240102, 1.5, Buffer.from(VALID_TIMESTAMPS[0]!)]
        expect(
          same(
            invalid.map((t) => row({ [name]: t })),
            options
          ),
          name
        ).toEqual(range(invalid.length))
      }
      expect(same([row({ createdAt: null }), row({ indexedAt: null }), row({ archivedAt: null })], options)).toEqual([
        0, 1
      ])
    }
  })

  it("a repeated archived_at is remembered only while valid", () => {
    const times = [
      "2024-02-01 00:00:00",
      "2024-02-01 00:00:00",
      "2024-02-30 00:00:00",
      "2024-02-30 00:00:00",
      "2024-02-01 00:00:00"
    ]
    expect(
      same(
        times.map((t) => row({ archivedAt: t })),
        BOTH[0]!,
        2
      )
    ).toEqual([2, 3])
  })
})

const CDN = "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:test/"
const EMBEDS_FROM_BYTES = [
  JSON.stringify({ $type: "app.bsky.embed.images#view", images: [{ fullsize: `${CDN}a@jpeg`, thumb: "t" }] }),
  JSON.stringify({ images: [{ fullsize: `${CDN}a@jpeg` }, { fullsize: `${CDN}b` }, 3, null, { thumb: "x" }] }),
  JSON.stringify({
    media: { images: [{ fullsize: `${CDN}m1@jpeg` }] },
    images: [{ fullsize: `${CDN}i@png` }],
    external: { thumb: `${CDN}e@jpeg` }
  }),
  JSON.stringify({ external: { uri: "https://x", title: 'with \\ "quotes"\n', thumb: `${CDN}ext@jpeg` } }),
  JSON.stringify({ images: [{ fullsize: `${CDN}=sum(1)@jpeg` }] }),
  JSON.stringify({ images: [{ fullsize: `${CDN}-1@jpeg` }, { fullsize: `${CDN}a,b` }] }),
  JSON.stringify({ images: [{ fullsize: `${CDN} lead@jpeg` }] }),
  JSON.stringify({ images: [{ fullsize: `${CDN}日本🦋@jpeg` }] }),
  JSON.stringify({ images: [{ fullsize: "no-slash@jpeg" }, { fullsize: `${CDN}@jpeg` }, { fullsize: 5 }] }),
  JSON.stringify({ images: { fullsize: `${CDN}a` }, media: [], external: "x" }),
  '{"images":[{"fullsize":"https://x/a@j"}],"images":[{"fullsize":"https://x/b@j"}]}',
  '{"images":[{"fullsize":"https://x/a@j","fullsize":7}]}',
  '{"images":[{"fullsize":"https://x/a@j"}],"images":null}',
  ' \t\r\n{ "images" : [ { "fullsize" : "https://x/a@j" } , { } ] , "media" : { } } \n',
  '{"__proto__":{"images":[{"fullsize":"https://x/p"}]},"x":[1,-0,0.5,1e5,-1E-5,2.5e+3,true,false,null,"\\u00e9\\n\\/"]}',
  '{"video":{"thumbnail":"https://x/v.jpg"},"deep":[[[[[[{"a":{}}]]]]]]}',
  "null",
  "[]",
  '"text"',
  "12",
  "{}",
  '{"images":[]}'
]
const EMBEDS_ASKED = [
  JSON.stringify({ images: [{ fullsize: `${CDN}a"b` }] }),
  '{"images":[{"fullsize":"https:\\/\\/x\\/a@jpeg"}]}',
  '{"imag\\u0065s":[{"fullsize":"https://x/a"}]}',
  '{"images":[{"fulls\\u0069ze":"https://x/a"}]}',
  '{"external":{"th\\u0075mb":"https://x/a"}}',
  "{",
  "{}x",
  "{'a':1}",
  '{"a":01}',
  '{"a":1.}',
  '{"a":.5}',
  '{"a":-}',
  '{"a":1e}',
  '{"a":tru}',
  '{"a":"\\x"}',
  '{"a":"\\u12g4"}',
  '{"a":"tab\there"}',
  '{"a":1,}',
  "[1,]",
  '{"a" 1}',
  "\ufeff{}",
  "nul",
  "[".repeat(300) + "]".repeat(300)
]

describe("MediaFiles from embed_data bytes", () => {
  it("lists the names of valid JSON from bytes, with quoting and formulas", () => {
    for (const options of BOTH) {
      expect(
        same(
          EMBEDS_FROM_BYTES.map((e) => row({ hasMedia: 1, embedData: e })),
          options
        )
      ).toEqual([])
      expect(same([row({ hasMedia: 1, embedData: "" }), row({ hasMedia: 1, embedData: null })], options)).toEqual([])
    }
  })

  it("asks for posts whose JSON is invalid (it warns) or whose names need escapes undone", () => {
    for (const options of BOTH) {
      const rows = EMBEDS_ASKED.map((e) => row({ hasMedia: 1, embedData: e }))
      expect(same(rows, options)).toEqual(range(rows.length))
      expect(
        same([row({ hasMedia: 1, embedData: 5 }), row({ hasMedia: 1, embedData: Buffer.from("{}") })], options)
      ).toEqual([0, 1])
    }
  })

  it("never reads embed_data or labels without has_media: nothing warns", () => {
    const rows = [...EMBEDS_ASKED, 5, 1.5, Buffer.from("{")].flatMap((e) => [row({ embedData: e }), row({ labels: e })])
    expect(same(rows, BOTH[0]!)).toEqual([])
  })

  it("an invalid embed among valid ones warns for its own post, whatever the batches", () => {
    const rows = [
      row({ hasMedia: 1, embedData: "{" }),
      row({ createdAt: "bad" }),
      row({ hasMedia: 1, embedData: "{}" })
    ]
    for (const size of [1, 2, 3]) expect(same(rows, BOTH[1]!, size)).toEqual([0, 1])
  })
})

/** Synthetic posts as the core reads them from a real archive (`Post.selectColumns`, export order). */
const syntheticRows = (posts: number): Array<Row> => {
  const dir = mkdtempSync(join(tmpdir(), "skyporter-format-csv-records-"))
  try {
    const path = join(dir, "archive.db")
    const { did } = Synthetic.seedArchive(path, { posts, otherDids: 0 })
    const db = new Database(path, { readonly: true })
    try {
      const select = `SELECT ${Post.selectColumns} FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC`
      return db.prepare(select).raw(true).all(did) as Array<Row>
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("realistic posts", () => {
  it("synthetic posts, in batches of any size: only posts with counts past 2^53 are asked for", () => {
    const rows = syntheticRows(3000)
    const big = range(rows.length).filter((i) => [7, 8, 9, 10].some((f) => typeof rows[i]![f] === "string"))
    for (const options of BOTH) {
      for (const size of [1, 7, 1000, Infinity]) expect(same(rows, options, size)).toEqual(big)
    }
  })
})

const wellFormed = Hostile.text.filter((s) => !/\p{Cs}/u.test(s))
const urlText = fc.tuple(wellFormed, wellFormed).map(([a, b]) => `https://cdn/${a}/${b}@jpeg`)
const embedText = fc.oneof(
  fc.json(),
  fc
    .record(
      {
        images: fc.array(fc.record({ fullsize: urlText }), { maxLength: 3 }),
        media: fc.record({ images: fc.array(fc.record({ fullsize: urlText, thumb: urlText }), { maxLength: 2 }) }),
        external: fc.record({ thumb: urlText, title: wellFormed })
      },
      { requiredKeys: [] }
    )
    .map((e) => JSON.stringify(e, null, 1)),
  wellFormed
)

/** Rows the fast path mostly takes, with hostile text, flags, counts, timestamps and embeds. */
const plainRow: fc.Arbitrary<Row> = fc
  .tuple(
    ...TEXT_COLUMNS.map(() =>
      fc.oneof({ weight: 6, arbitrary: wellFormed }, { weight: 1, arbitrary: Hostile.text }, fc.constant(null))
    ),
    fc.oneof({ weight: 5, arbitrary: timestampSpelling }, fc.constantFrom(null, 5, "soon")),
    fc.oneof({ weight: 5, arbitrary: timestampSpelling }, fc.constantFrom(null, "")),
    fc.oneof({ weight: 8, arbitrary: fc.maxSafeInteger() }, fc.constantFrom<unknown>(null, "7", 0.5, "false")),
    fc.oneof({ weight: 5, arbitrary: embedText }, fc.constant(null)),
    fc.oneof({ weight: 5, arbitrary: timestampSpelling }, fc.constant(null))
  )
  .map(([uri, cid, did, text, replyParent, embedType, createdAt, indexedAt, n, embedData, archivedAt]) =>
    row({
      uri,
      cid,
      did,
      text,
      replyParent,
      embedType,
      createdAt,
      indexedAt,
      likeCount: n,
      repostCount: 0,
      replyCount: -1,
      quoteCount: 2,
      hasMedia: 1,
      isReply: n === null ? null : 1,
      embedData,
      archivedAt
    })
  )

describe("properties", () => {
  it("random rows: writeRecords equals write, bytes and warnings, whatever the batches", () => {
    fc.assert(
      fc.property(
        fc.array(plainRow, { maxLength: 20 }),
        fc.integer({ min: 1, max: 21 }),
        fc.boolean(),
        (rows, size, escapeFormulas) => {
          same(rows, { escapeFormulas }, size)
        }
      ),
      { numRuns: 400 }
    )
  })

  it("hostile rows (testkit): writeRecords equals write", () => {
    fc.assert(
      fc.property(
        fc.array(Hostile.row, { maxLength: 20 }),
        fc.integer({ min: 1, max: 21 }),
        fc.boolean(),
        (rows, size, escapeFormulas) => {
          same(
            rows.map((r) => r.row),
            { escapeFormulas },
            size
          )
        }
      ),
      { numRuns: 200 }
    )
  })
})
