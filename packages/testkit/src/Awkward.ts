/**
 * Posts rows that stress a format plugin: every SQL NULL the schema allows,
 * every control character, a multi-megabyte text, stored JSON that is
 * invalid, scalar, stored as a BLOB or spelled oddly, counts past 2^53 or not
 * integers at all, timestamps the core cannot parse, and text that means
 * something to CSV, Markdown or HTML. The synthetic generator makes
 * realistic posts; these are the ones a real archive holds once in a million.
 * The core decodes all of them without failing (some with warnings), so a
 * plugin must encode all of them.
 */
import { ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"

/** One `posts` row; values are what SQLite stores (NULL, text, integer, real or BLOB). */
export type Row = Record<string, string | number | bigint | Buffer | null>

const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("")
const C1 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)).join("")

/** About 2 MB of UTF-8 in one text: ASCII, CJK, emoji and line breaks. */
const hugeText = (): string => {
  const line = 'A very long post, with commas, "quotes" and 長いテキスト 🦋 — line '
  const parts: Array<string> = []
  for (let i = 0; i < 24_000; i++) parts.push(line + i)
  return parts.join("\n")
}

/**
 * Stored JSON spelled as no encoder would write it: odd whitespace (TAB, CR,
 * LF), number spellings, duplicate keys, escapes a re-encoder would change,
 * raw U+2028, deep nesting and empty containers.
 */
const ODD_JSON =
  '{\t"$type" :"app.bsky.embed.external#view",\r\n "n":[1.0, 1e5,-0,1E+2, 12345678901234567890,0.1] ,' +
  '"dup":1,"dup":2,"esc":"\\u00e9\\/\\u003c\\u0008\\ud83e\\udd8b\\"","raw":"a\u2028b\u00e9🦋",' +
  '"deep":[[[[[[{"k":[]}]]]]]],"empty":{ },"arr":[ ],"t":true,"f":false,"z":null}'

const LABELS = '[{"src":"did:plc:ar7c4by46qjdydhdevvrndac","val":"!warn","cts":"2024-01-01T00:00:00.000Z"}]'

/** The awkward rows for `did`, each with a distinct uri; 2024 timestamps unless a row is about timestamps. */
export const rows = (did: string): Array<Row> => {
  let n = 0
  const row = (over: Row): Row => {
    n++
    const t = `2024-0${1 + (n % 9)}-1${n % 10}T12:00:00.${String(n).padStart(3, "0")}Z`
    return {
      uri: `at://${did}/app.bsky.feed.post/3awkward${String(n).padStart(3, "0")}`,
      cid: `bafyreiawkward${n}`,
      did,
      text: `awkward post ${n}`,
      created_at: t,
      indexed_at: t,
      has_media: 0,
      like_count: n,
      repost_count: 0,
      reply_count: 0,
      quote_count: 0,
      is_reply: 0,
      reply_parent: "",
      embed_type: "",
      embed_data: null,
      labels: null,
      archived_at: "2025-01-01 00:00:00",
      ...over
    }
  }
  return [
    // Every nullable column NULL.
    row({
      text: null,
      has_media: null,
      like_count: null,
      repost_count: null,
      reply_count: null,
      quote_count: null,
      is_reply: null,
      reply_parent: null,
      embed_type: null,
      embed_data: null,
      labels: null,
      archived_at: null
    }),
    // Control characters, C1, separators, BOM, a NUL in the middle.
    row({ text: `${C0}\u007f${C1}\u2028\u2029\ufeff end`, embed_type: "\u0000\t\n" }),
    row({ text: "\ufeffstarts with a BOM\r\nthen CRLF\rthen CR\n\nthen two LF\t\ttabs" }),
    // A multi-megabyte text.
    row({ text: hugeText() }),
    // Unicode: emoji sequences, combining marks, RTL, CJK, astral plane, U+FFFD.
    row({ text: "👩‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 1️⃣ e\u0301 مرحبا שלום 日本語 𝕏 𠀋 \ufffd \u200b\u200d\u2060" }),
    // What CSV, spreadsheets, Markdown and HTML read specially.
    row({ text: '=HYPERLINK("http://x","y")' }),
    row({ text: "+1", reply_parent: "-1", embed_type: "@x" }),
    row({ text: "\t=1+1" }),
    row({ text: "\r=1+1" }),
    row({ text: "＝1＋1 ＠x －1" }),
    row({
      text: "# heading\n> quote\n- item\n1. item\n```\ncode\n```\n| a | b |\n---\n*em* _em_ **b** `c` [l](u) ![i](u) \\ <br>"
    }),
    row({ text: '<script>alert("x")</script> &amp; &lt; <!-- --> ]]> ${x} {{x}} %s %d' }),
    row({ text: "\"\"\"\",,,,;;;;''''" }),
    row({ text: " leading and trailing spaces " }),
    row({ text: "" }),
    row({ text: "null" }),
    // Stored JSON: invalid, scalar, odd, BLOB, the text null, empty text.
    row({ embed_type: "external", embed_data: "{broken", labels: "[1," }),
    row({ embed_type: "external", embed_data: '"just a string"', labels: "42" }),
    row({ embed_type: "record", embed_data: "true", labels: "[]" }),
    row({ embed_type: "external", has_media: 1, embed_data: ODD_JSON, labels: LABELS }),
    row({ embed_type: "external", embed_data: Buffer.from(ODD_JSON, "utf8"), labels: Buffer.from(LABELS, "utf8") }),
    row({ embed_type: "images", has_media: 1, embed_data: "null", labels: "null" }),
    row({ embed_type: "images", embed_data: "", labels: "" }),
    row({ embed_type: "images", embed_data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
    // Counts: the 64-bit edges, negative, real, text.
    row({
      like_count: 9223372036854775807n,
      repost_count: -9223372036854775808n,
      reply_count: 9007199254740993n,
      quote_count: -1
    }),
    row({ like_count: 3.7, repost_count: "12abc", reply_count: "007", quote_count: "" }),
    // Timestamps: unparseable, empty, Go's spelling, an offset with nanoseconds, the SQLite form.
    row({ created_at: "yesterday", indexed_at: "", archived_at: "not a time" }),
    row({ created_at: "", indexed_at: "2024-01-15 10:30:00.123 +0000 UTC m=+12.345" }),
    row({ created_at: "2024-06-30T23:59:59.999999999-07:00", indexed_at: "2024-07-01 06:59:59", archived_at: "" }),
    // Two posts with one created_at: ordered by uri.
    row({ created_at: "2024-05-05T05:05:05.000Z", text: "tie a" }),
    row({ created_at: "2024-05-05T05:05:05.000Z", text: "tie b" }),
    // Text stored as a BLOB with invalid UTF-8.
    row({ text: Buffer.from([0x41, 0xff, 0xfe, 0x42, 0xc3, 0x28]) }),
    // Replies without a parent, a parent without the flag, odd booleans.
    row({ is_reply: 1, reply_parent: "" }),
    row({ is_reply: 0, reply_parent: "at://did:plc:someoneelse222222222222/app.bsky.feed.post/3x", has_media: 7 }),
    row({ is_reply: "false", has_media: "0", uri: `at://${did}/app.bsky.feed.post/3awkward"quote,comma é` })
  ]
}

const COLUMNS = [
  "uri",
  "cid",
  "did",
  "text",
  "created_at",
  "indexed_at",
  "has_media",
  "like_count",
  "repost_count",
  "reply_count",
  "quote_count",
  "is_reply",
  "reply_parent",
  "embed_type",
  "embed_data",
  "labels",
  "archived_at"
]

/**
 * Adds the awkward rows for `did` to the archive at `dbPath` (created with
 * bskyarchive's schema when missing); returns how many posts it wrote.
 */
export const writePosts = (dbPath: string, did: string): number => {
  const db = new Database(dbPath)
  try {
    db.exec(ArchiveSchema.DDL)
    const insert = db.prepare(
      `INSERT INTO posts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`
    )
    const all = rows(did)
    db.transaction(() => {
      for (const r of all) insert.run(r)
    })()
    return all.length
  } finally {
    db.close()
  }
}
