/**
 * fast-check arbitraries of hostile `posts` rows, each with the values an
 * encoder must write for it, for property tests of the core's row decoding
 * and of format plugins (`@skyporter/testkit/hostile`).
 *
 * A row holds what SQLite can hand the core — text, integers (past 2^53 as
 * decimal text), reals, BLOBs, NULL — filled with arbitrary UTF-16 (lone
 * surrogates and every control character included), text that looks like
 * CSV or JSON syntax or a spreadsheet formula, stored JSON that is valid
 * (odd spacing, raw lone surrogates and U+2028 in strings, BLOBs), invalid
 * or a media embed, counts from -2^63 to 2^63-1 spelled in every way, and
 * timestamps in every accepted spelling, offset and fraction length, or not
 * timestamps at all. The expected values come from how each value was
 * generated, not from the code under test.
 */
import { type FormatPlugin, Post } from "@skyporter/core"
import * as fc from "fast-check"
import * as Sink from "./Sink.js"

/** A timestamp as JSON renders it (RFC 3339, fraction without trailing zeros) and as CSV does (whole seconds). */
export interface ExpectedTimestamp {
  readonly json: string
  readonly csv: string
}

/** Stored JSON: a value to compare with `JSON.parse` of the output, or text that is not JSON (written as a string). */
export type ExpectedJson =
  | { readonly valid: true; readonly value: unknown }
  | { readonly valid: false; readonly text: string }

/** What one generated row must come out as. */
export interface ExpectedPost {
  readonly uri: string
  readonly cid: string
  readonly did: string
  readonly text: string
  readonly createdAt: ExpectedTimestamp
  readonly indexedAt: ExpectedTimestamp
  /** Null: the JSON key is omitted. */
  readonly archivedAt: ExpectedTimestamp | null
  readonly hasMedia: boolean
  readonly isReply: boolean
  /** Exact decimal integers. */
  readonly likeCount: string
  readonly repostCount: string
  readonly replyCount: string
  readonly quoteCount: string
  /** "" is omitted from JSON. */
  readonly replyParent: string
  readonly embedType: string
  /** Null: omitted from JSON. */
  readonly embedData: ExpectedJson | null
  readonly labels: ExpectedJson | null
  /** The media file names of the embed, in CSV column order (listed only when hasMedia). */
  readonly mediaFiles: ReadonlyArray<string>
}

export interface HostileRow {
  /** The columns of `Post.selectColumns`, in order, as SQLite hands them. */
  readonly row: ReadonlyArray<unknown>
  readonly expected: ExpectedPost
}

interface Generated<A> {
  readonly stored: unknown
  readonly expected: A
}

const generated = <A>(stored: unknown, expected: A): Generated<A> => ({ stored, expected })

// ---------------------------------------------------------------------------
// Text

/** Whether a string has no lone surrogate (so UTF-8 round-trips it). */
const isWellFormed = (s: string): boolean => !/\p{Cs}/u.test(s)

/** A string as it reads back from UTF-8: each lone surrogate became U+FFFD. */
const viaUtf8 = (s: string): string => Buffer.from(s, "utf8").toString("utf8")

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))

/** Pieces that mean something to CSV, JSON, spreadsheets or terminals. */
const SYNTAX = [
  ",",
  "\"",
  "\"\"",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\\",
  "\\.",
  "=",
  "+",
  "-",
  "@",
  "'",
  "{",
  "}",
  "[",
  "]",
  ":",
  "\u0000",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\uff1d",
  "\ud800",
  "\udc00",
  "🦋",
  "👩‍👩‍👧",
  "🇯🇵",
  "日本語",
  "\u202e"
]

const syntax = fc.constantFrom(...SYNTAX)

/** Arbitrary text: any code units mixed with syntax pieces and plain words. */
export const text: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: codeUnit },
    { weight: 2, arbitrary: syntax },
    { weight: 2, arbitrary: fc.constantFrom("a", "post", " ", "0", "1.5e3", "null", "true") }
  ),
  maxLength: 40
})

/** A text column: NULL and BLOB read as text ("" for NULL). */
const textColumn = fc.oneof(
  { weight: 8, arbitrary: text.map((s) => generated(s, s)) },
  { weight: 1, arbitrary: fc.constant(generated(null, "")) },
  {
    weight: 1,
    arbitrary: text.filter(isWellFormed).map((s) => generated(Buffer.from(s, "utf8"), s))
  }
)

// ---------------------------------------------------------------------------
// Timestamps

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const validTimestamp = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  fraction: fc.string({ unit: fc.constantFrom("0", "1", "5", "9"), minLength: 0, maxLength: 9 }),
  offset: fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
  spelling: fc.constantFrom("rfc-Z", "rfc-z", "rfc-offset", "rfc-t", "rfc-space", "rfc-none", "sqlite", "go")
}).map((t) => {
  const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`
  const time = `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`
  const fraction = t.fraction === "" ? "" : `.${t.fraction}`
  const abs = Math.abs(t.offset)
  const sign = t.offset < 0 ? "-" : "+"
  const rfcOffset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  // Spellings without an offset are UTC.
  let stored: string
  let offset = t.offset
  switch (t.spelling) {
    case "rfc-Z":
      stored = `${date}T${time}${fraction}Z`
      offset = 0
      break
    case "rfc-z":
      stored = `${date}T${time}${fraction}z`
      offset = 0
      break
    case "rfc-offset":
      stored = `${date}T${time}${fraction}${rfcOffset}`
      break
    case "rfc-t":
      stored = `${date}t${time}${fraction}${rfcOffset}`
      break
    case "rfc-space":
      stored = `${date} ${time}${fraction}${rfcOffset}`
      break
    case "rfc-none":
      stored = `${date}T${time}${fraction}`
      offset = 0
      break
    case "sqlite":
      stored = `${date} ${time}${fraction}`
      offset = 0
      break
    default:
      stored = `${date} ${time}${fraction} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} UTC m=+${t.second}.5`
  }
  const seconds = `${date}T${time}`
  const zone = offset === 0 ? "Z" : rfcOffset
  const trimmed = t.fraction.replace(/0+$/, "")
  return generated<ExpectedTimestamp>(stored, {
    json: trimmed === "" ? seconds + zone : `${seconds}.${trimmed}${zone}`,
    csv: seconds + zone
  })
})

/** Not timestamps in any accepted spelling: written as stored. */
const INVALID_TIMESTAMPS = [
  "2024-02-30T00:00:00Z",
  "2023-02-29T12:00:00Z",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:00:00.1234567890Z",
  "2024-01-01T00:00:00.Z",
  "2024-01-01",
  "2024-01-01T00:00:00+24:00",
  " 2024-01-01T00:00:00Z",
  "2024-01-01T00:00:00 Z",
  "soon",
  "",
  "2024-13-01T00:00:00Z",
  "١٩٧٠-01-01T00:00:00Z"
]

const invalidTimestamp = fc.oneof(
  fc.constantFrom(...INVALID_TIMESTAMPS).map((s) => generated<ExpectedTimestamp>(s, { json: s, csv: s })),
  // Never a timestamp: the first four characters must be digits.
  text.map((s) => `x${s}`).map((s) => generated<ExpectedTimestamp>(s, { json: s, csv: s })),
  // An INTEGER column read as its decimal text.
  fc.integer({ min: 0, max: 2 ** 40 }).map((n) => generated<ExpectedTimestamp>(n, { json: String(n), csv: String(n) })),
  fc.constant(generated<ExpectedTimestamp>(null, { json: "", csv: "" }))
)

const timestamp = fc.oneof({ weight: 3, arbitrary: validTimestamp }, { weight: 1, arbitrary: invalidTimestamp })

// ---------------------------------------------------------------------------
// Counts and flags

const MAX_INT64 = 2n ** 63n - 1n
const MIN_INT64 = -(2n ** 63n)

const count: fc.Arbitrary<Generated<string>> = fc.oneof(
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => generated(n, String(n))),
  // Past 2^53 SQLite integers arrive as decimal text (see Post.selectColumns).
  fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map((n) => generated(n.toString(), n.toString())),
  fc.constantFrom(MIN_INT64, MAX_INT64, 0n, -1n).map((n) => generated(n, n.toString())),
  fc.constantFrom("007", "-0", "000", "9223372036854775807").map((s) => generated(s, BigInt(s).toString())),
  // Reals are truncated; NULL and text that is no integer are 0.
  fc.double({ min: -1e15, max: 1e15, noNaN: true }).map((d) => generated(d, String(Math.trunc(d) + 0))),
  fc.constantFrom(1e300, -1e20, 2 ** 64).map((d) => generated(d, BigInt(d).toString())),
  fc.constantFrom(null, "many", "", "1.5", " 1", "0x10", Number.NaN, Number.POSITIVE_INFINITY).map((v) =>
    generated(v, "0")
  )
)

const flag: fc.Arbitrary<Generated<boolean>> = fc.oneof(
  fc.constantFrom(0, 1, 2, -1).map((n) => generated(n, n !== 0)),
  fc.constantFrom(0n, 3n).map((n) => generated(n, n !== 0n)),
  fc.constantFrom("", "0", "1", "true", "false", "FALSE", "yes").map((s) =>
    generated(s, s !== "" && s !== "0" && s.toLowerCase() !== "false")
  ),
  fc.constant(generated(null, false))
)

// ---------------------------------------------------------------------------
// Stored JSON

/** Any JSON value, re-spelled with odd whitespace between tokens (TAB, CR LF, deep indents). */
const jsonText = fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<string | number>(0, 1, 7, "\t"), fc.boolean())
  .map((
    [value, indent, crlf]
  ) => {
    const spelled = JSON.stringify(value, null, indent)
    return crlf ? spelled.replace(/\n/g, "\r\n") : spelled
  })

/** A JSON string literal that holds raw (unescaped) lone surrogates, U+2028 and non-ASCII. */
const rawStringLiteral = text.map((s) =>
  "\"" +
  s.replace(
    /[\\"\u0000-\u001f]/g,
    (c) => (c === "\\" || c === "\"" ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  ) + "\""
)

const MEDIA_KEYS = ["images", "media", "external"]

/** Valid JSON whose media file names are none: no embed shape at the top. */
const plainJson = fc.oneof(
  jsonText,
  rawStringLiteral.map((s) => `{"k":${s},"n":[1.0,-0,1e400,12345678901234567890]}`),
  rawStringLiteral
).filter((t) => {
  const v = JSON.parse(t) as unknown
  return typeof v !== "object" || v === null || Array.isArray(v) || !MEDIA_KEYS.some((k) => Object.hasOwn(v, k))
})

/** A media file name and a URL that carries it (after the last `/`, before an `@`). */
const mediaUrl = fc.tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom("", "@jpeg", "@png")).map((
  [name, suffix]
) => ({ name, url: `https://cdn.example/img/feed_fullsize/plain/did:plc:x/${name}${suffix}` }))

/** An embed with images, a record with media, or an external link with a thumb, and its file names in column order. */
const mediaEmbed: fc.Arbitrary<{ readonly text: string; readonly names: ReadonlyArray<string> }> = fc.oneof(
  fc.array(mediaUrl, { maxLength: 4 }).map((images) => ({
    text: JSON.stringify({
      $type: "app.bsky.embed.images#view",
      images: images.map((i) => ({ fullsize: i.url, alt: "" }))
    }),
    names: images.map((i) => i.name)
  })),
  fc.array(mediaUrl, { minLength: 1, maxLength: 3 }).map((images) => ({
    text: JSON.stringify({ record: {}, media: { images: images.map((i) => ({ fullsize: i.url })) } }),
    names: images.map((i) => i.name)
  })),
  mediaUrl.map((thumb) => ({
    text: JSON.stringify({ external: { uri: "https://example.com/,\"x\"", thumb: thumb.url } }),
    names: [thumb.name]
  }))
)

const INVALID_JSON = [
  "{bad",
  "[1,]",
  "NaN",
  "{'a':1}",
  "\"unterminated",
  "{\"a\":1}}",
  "01",
  "[\"\ud800\"",
  "{\"a\":1,}",
  "\u0000"
]

const invalidJson = fc.oneof(
  fc.constantFrom(...INVALID_JSON),
  text.filter((s) => {
    try {
      JSON.parse(s)
      return false
    } catch {
      return true
    }
  })
).filter((s) => s !== "")

interface JsonColumn {
  readonly expected: ExpectedJson | null
  readonly names: ReadonlyArray<string>
}

const jsonColumn: fc.Arbitrary<Generated<JsonColumn>> = fc.oneof(
  fc.constantFrom(null, "").map((v) => generated<JsonColumn>(v, { expected: null, names: [] })),
  plainJson.map((t) => generated<JsonColumn>(t, { expected: { valid: true, value: JSON.parse(t) }, names: [] })),
  plainJson.filter(isWellFormed).map((t) =>
    generated<JsonColumn>(Buffer.from(t, "utf8"), { expected: { valid: true, value: JSON.parse(t) }, names: [] })
  ),
  mediaEmbed.map((e) =>
    generated<JsonColumn>(e.text, { expected: { valid: true, value: JSON.parse(e.text) }, names: e.names })
  ),
  invalidJson.map((t) => generated<JsonColumn>(t, { expected: { valid: false, text: t }, names: [] }))
)

// ---------------------------------------------------------------------------
// Rows

/** One hostile row and its expected output. */
export const row: fc.Arbitrary<HostileRow> = fc.record({
  uri: textColumn,
  cid: textColumn,
  did: textColumn,
  text: textColumn,
  createdAt: timestamp,
  indexedAt: timestamp,
  archivedAt: fc.oneof(timestamp.filter((t) => t.stored !== null), fc.constant(null)),
  hasMedia: flag,
  isReply: flag,
  likeCount: count,
  repostCount: count,
  replyCount: count,
  quoteCount: count,
  replyParent: textColumn,
  embedType: textColumn,
  embedData: jsonColumn,
  labels: jsonColumn
}).map((g): HostileRow => ({
  row: [
    g.uri.stored,
    g.cid.stored,
    g.did.stored,
    g.text.stored,
    g.createdAt.stored,
    g.indexedAt.stored,
    g.hasMedia.stored,
    g.likeCount.stored,
    g.repostCount.stored,
    g.replyCount.stored,
    g.quoteCount.stored,
    g.isReply.stored,
    g.replyParent.stored,
    g.embedType.stored,
    g.embedData.stored,
    g.labels.stored,
    g.archivedAt === null ? null : g.archivedAt.stored
  ],
  expected: {
    uri: g.uri.expected,
    cid: g.cid.expected,
    did: g.did.expected,
    text: g.text.expected,
    createdAt: g.createdAt.expected,
    indexedAt: g.indexedAt.expected,
    archivedAt: g.archivedAt === null ? null : g.archivedAt.expected,
    hasMedia: g.hasMedia.expected,
    isReply: g.isReply.expected,
    likeCount: g.likeCount.expected,
    repostCount: g.repostCount.expected,
    replyCount: g.replyCount.expected,
    quoteCount: g.quoteCount.expected,
    replyParent: g.replyParent.expected,
    embedType: g.embedType.expected,
    embedData: g.embedData.expected.expected,
    labels: g.labels.expected.expected,
    mediaFiles: g.embedData.expected.names
  }
}))

/** The posts of hostile rows, decoded by the core (warnings dropped). */
export const decode = (rows: ReadonlyArray<HostileRow>): Array<Post.Post> =>
  rows.map((r) => Post.decodeRow(r.row, () => {}))

/** Splits `items` at the cut points (fractions of its length): the batches, in order, empty ones included. */
const split = <A>(items: ReadonlyArray<A>, cuts: ReadonlyArray<number>): Array<ReadonlyArray<A>> => {
  const points = [...cuts.map((c) => Math.floor(c * items.length)), 0, items.length].sort((a, b) => a - b)
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 1; i < points.length; i++) out.push(items.slice(points[i - 1], points[i]))
  return out
}

/**
 * The batching property of a format plugin: for any hostile posts cut into
 * any batches (empty ones included), with any of `options`, the bytes equal
 * those of the posts written as one batch.
 */
export const batchingProperty = (
  plugin: FormatPlugin.FormatPlugin,
  options: fc.Arbitrary<unknown> = fc.constant({})
): fc.IAsyncProperty<[{ rows: Array<HostileRow>; cuts: Array<number> }, unknown]> =>
  fc.asyncProperty(
    fc.record({
      rows: fc.array(row, { maxLength: 30 }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })
    }),
    options,
    async ({ cuts, rows }, opts) => {
      const posts = decode(rows)
      const whole = await Sink.bytes(plugin, [posts], opts)
      return (await Sink.bytes(plugin, split(posts, cuts), opts)).equals(whole)
    }
  )

// ---------------------------------------------------------------------------
// Expected output

/** The object a JSON encoder must write for a post (key order included), as `JSON.parse` reads it back. */
export const jsonObject = (e: ExpectedPost): Record<string, unknown> => {
  const json = (j: ExpectedJson) => (j.valid ? j.value : j.text)
  return {
    uri: e.uri,
    cid: e.cid,
    did: e.did,
    text: e.text,
    created_at: e.createdAt.json,
    indexed_at: e.indexedAt.json,
    has_media: e.hasMedia,
    like_count: Number(e.likeCount),
    repost_count: Number(e.repostCount),
    reply_count: Number(e.replyCount),
    quote_count: Number(e.quoteCount),
    is_reply: e.isReply,
    ...(e.replyParent === "" ? {} : { reply_parent: e.replyParent }),
    ...(e.embedType === "" ? {} : { embed_type: e.embedType }),
    ...(e.embedData === null ? {} : { embed_data: json(e.embedData) }),
    ...(e.labels === null ? {} : { labels: json(e.labels) }),
    ...(e.archivedAt === null ? {} : { archived_at: e.archivedAt.json })
  }
}

/** The counts as exact decimal text, in key order (JSON numbers past 2^53 lose digits in `JSON.parse`). */
export const countTexts = (e: ExpectedPost): Array<string> => [e.likeCount, e.repostCount, e.replyCount, e.quoteCount]

/** Characters after which a spreadsheet would run a cell as a formula (csv-stringify's `escape_formulas`). */
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"])

/**
 * The cells a CSV encoder must write for a post, as a CSV parser reads them
 * back from UTF-8 (where a lone surrogate has become U+FFFD).
 */
export const csvCells = (e: ExpectedPost, options: { readonly escapeFormulas: boolean }): Array<string> =>
  [
    e.uri,
    e.cid,
    e.did,
    e.text,
    e.createdAt.csv,
    e.likeCount,
    e.repostCount,
    e.replyCount,
    e.quoteCount,
    e.isReply ? "true" : "false",
    e.replyParent,
    e.hasMedia ? "true" : "false",
    e.hasMedia ? e.mediaFiles.join(";") : "",
    e.embedType,
    e.indexedAt.csv
  ].map((cell) => {
    const escaped = options.escapeFormulas && FORMULA_START.has(cell[0] ?? "") ? `'${cell}` : cell
    return viaUtf8(escaped)
  })

/** posts.csv's header cells. */
export const CSV_HEADER = [
  "URI",
  "CID",
  "DID",
  "Text",
  "CreatedAt",
  "LikeCount",
  "RepostCount",
  "ReplyCount",
  "QuoteCount",
  "IsReply",
  "ReplyParent",
  "HasMedia",
  "MediaFiles",
  "EmbedType",
  "IndexedAt"
]
