/**
 * Rows to CSV text: a hand-written encoder that writes exactly the bytes
 * csv-stringify 6.9's synchronous API writes with `stringifyOptions` below.
 * csv-stringify itself is no longer called here: it took 11–16 µs per post,
 * in per-cell tuples and arrays, `.some()` callbacks, garbage collection and
 * one large joined string per batch (README, "Performance"). The tests keep
 * it as the oracle and check that the two agree on arbitrary strings.
 *
 * The rule both implement, bskyarchive's: a cell is enclosed in `"` iff it is
 * non-empty and it contains `,`, `"`, CR or LF, or it is exactly `\.`, or its
 * first character is one of U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680,
 * U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. Inside quotes `"` is
 * doubled; nothing else is escaped. Every record ends with LF.
 *
 * With `escapeFormulas`, a non-empty cell whose first UTF-16 unit is `=`, `+`,
 * `-`, `@`, TAB, CR, `＝`, `＋`, `－` or `＠` gets a `'` in front. As in
 * csv-stringify, the quoting is decided on the value *before* the `'` is
 * added (`\t=x` is quoted for its leading TAB although the written cell
 * starts with `'`), and `-` is exempt only for number/bigint cells, which
 * never occur here: every cell is a string, so a negative count is `'-3`.
 */
import * as BatchText from "@skyporter/core/BatchText"
import type { Chunk } from "@skyporter/plugin"
import type * as Post from "@skyporter/core/Post"
import type * as Timestamp from "@skyporter/core/Timestamp"
import * as Columns from "./Columns.js"
import * as MediaFiles from "./MediaFiles.js"

/**
 * The part of the rule csv-stringify does not apply by itself: the exact
 * value `\.` and a leading whitespace or line-breaking character. (`,`, `"`,
 * CR and LF are handled by its delimiter, quote and record-delimiter checks.)
 * Not global or sticky, so it carries no state between cells.
 */
export const QUOTED_MATCH = /^(?:\\\.$|[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])/

/** What the encoder needs to know from the plugin options. */
export interface EncoderOptions {
  /** Prefix cells that a spreadsheet would run as a formula with `'` (csv-stringify's `escape_formulas`). */
  readonly escapeFormulas: boolean
}

/**
 * csv-stringify options, as far as `stringifyOptions` sets them. Written out
 * here (assignable to csv-stringify's `Options`) so that the published types
 * do not depend on csv-stringify, which is only a dev dependency.
 */
export interface StringifyOptions {
  readonly delimiter: string
  readonly quote: string
  readonly escape: string
  readonly record_delimiter: string
  readonly eof: boolean
  readonly quote_record_delimiter: boolean
  readonly quoted: boolean
  readonly quoted_string: boolean
  readonly quoted_empty: boolean
  readonly quoted_match: RegExp
  readonly bom: boolean
  readonly header: boolean
  readonly escape_formulas: boolean
}

/**
 * The csv-stringify configuration whose output this encoder reproduces (the
 * oracle of the tests). Everything that affects the bytes is set explicitly
 * rather than left to defaults:
 *
 * - `record_delimiter: "\n"` and `eof: true`: every record, the last one
 *   included, ends with LF;
 * - `quote_record_delimiter: true`: quote cells holding CR as well as LF
 *   (csv-stringify turns this off when `record_delimiter` is given);
 * - `quoted_empty: false`: an empty cell is written as nothing, never `""`;
 * - `escape: '"'`: a `"` inside a quoted cell is doubled;
 * - `bom: false`, `header: false`: the BOM and header line are written once,
 *   by the sink's `start`, not by each batch.
 */
export const stringifyOptions = (options: EncoderOptions): StringifyOptions => ({
  delimiter: ",",
  quote: '"',
  escape: '"',
  record_delimiter: "\n",
  eof: true,
  quote_record_delimiter: true,
  quoted: false,
  quoted_string: false,
  quoted_empty: false,
  quoted_match: QUOTED_MATCH,
  bom: false,
  header: false,
  escape_formulas: options.escapeFormulas
})

/** The header line, LF-terminated (no cell in it needs quoting). */
export const HEADER_LINE = Columns.HEADER.join(",") + "\n"

/** The UTF-8 byte order mark, as text (written as `EF BB BF`). */
export const BOM = "\uFEFF"

// ---------------------------------------------------------------------------
// Cells

/** Whether a first UTF-16 unit forces quoting (the whitespace and line-break list of the rule). */
const quotesAsFirst = (c: number): boolean =>
  c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0x85 &&
      (c === 0x85 ||
        c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000)

/** Whether a first UTF-16 unit gets the `'` prefix under `escapeFormulas` (= + - @ TAB CR and full-width = + - @). */
const startsFormula = (c: number): boolean =>
  c <= 0x40
    ? c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d
    : c >= 0xff0b && (c === 0xff1d || c === 0xff0b || c === 0xff0d || c === 0xff20)

/**
 * Whether `value` holds `,`, `"`, LF or CR anywhere. Four `indexOf` calls
 * measured faster than one regex test or a charCodeAt loop on this data:
 * each is a native single-character search with no per-call state.
 */
const hasSpecial = (value: string): boolean =>
  value.indexOf(",") >= 0 || value.indexOf('"') >= 0 || value.indexOf("\n") >= 0 || value.indexOf("\r") >= 0

/** Whether a non-empty value must be quoted; `first` is its first UTF-16 unit. */
const mustQuote = (value: string, first: number): boolean =>
  quotesAsFirst(first) || hasSpecial(value) || (first === 0x5c && value === "\\.")

/** `body` in quotes, its `"` doubled. */
const enclose = (body: string): string => '"' + (body.indexOf('"') < 0 ? body : body.replaceAll('"', '""')) + '"'

/** The error for a cell that is not a string (csv-stringify would have cast it; rows here hold strings only). */
const notText = (value: unknown): TypeError => new TypeError(`a CSV cell must be a string, got ${typeof value}`)

/** One cell as written with `escapeFormulas: false`. */
export const cell = (value: string): string => {
  if (typeof value !== "string") throw notText(value)
  if (value.length === 0) return value
  return mustQuote(value, value.charCodeAt(0)) ? enclose(value) : value
}

/** One cell as written with `escapeFormulas: true`: the quoting is decided before the `'` is added. */
export const formulaCell = (value: string): string => {
  if (typeof value !== "string") throw notText(value)
  if (value.length === 0) return value
  const first = value.charCodeAt(0)
  const body = startsFormula(first) ? "'" + value : value
  return mustQuote(value, first) ? enclose(body) : body
}

/** The cell function for the options. */
export const makeCell = (options: EncoderOptions): ((value: string) => string) =>
  options.escapeFormulas ? formulaCell : cell

// ---------------------------------------------------------------------------
// Rows

/** An encoder for rows; each call returns whole LF-terminated records, "" for no rows. */
export type Encode = (rows: ReadonlyArray<ReadonlyArray<string>>) => string

/**
 * Records are gathered into strings of about this many UTF-16 units. One
 * string built by `+=` over a whole batch is a rope that V8 must flatten when
 * it is written; past ~128 KB the flat copy goes to large-object space, and
 * measured several times slower than the encoding itself (about 6 ms for
 * 1,000 posts). Segments end at record ends, so no surrogate pair is split.
 */
const SEGMENT_UNITS = 16_384

/** Makes an encoder for rows of any length with one fixed configuration. */
export const make = (options: EncoderOptions): Encode => {
  const text = makeCell(options)
  const record = (row: ReadonlyArray<string>): string => {
    let out = ""
    for (let i = 0; i < row.length; i++) out += i === 0 ? text(row[i]!) : "," + text(row[i]!)
    return out + "\n"
  }
  return (rows) => {
    let segments: Array<string> | undefined
    let segment = ""
    for (let r = 0; r < rows.length; r++) {
      segment += record(rows[r]!)
      if (segment.length >= SEGMENT_UNITS) {
        if (segments === undefined) segments = []
        segments.push(segment)
        segment = ""
      }
    }
    if (segments === undefined) return segment
    segments.push(segment)
    // join copies each segment into one flat string once.
    return segments.join("")
  }
}

// ---------------------------------------------------------------------------
// Posts: the sink's hot path, one column at a time

/** Whether every unit of `s` is a digit or `-`: such a value never needs quoting. */
const digitsOrMinus = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c < 0x30 || c > 0x39) && c !== 0x2d) return false
  }
  return true
}

/**
 * Whether every unit of a decoded timestamp part is one of `0-9 - : T Z +`,
 * as `Timestamp.decode` writes them. Checked rather than assumed, since a
 * Timestamp is a plain object anyone can build.
 */
const timestampUnits = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c < 0x2b || c > 0x3a || c === 0x2c || c === 0x2f || c === 0x2e) && c !== 0x54 && c !== 0x5a) return false
  }
  return true
}

/** An encoder for one post: its record, LF included. */
export type EncodePost = (post: Post.Post) => string

/**
 * Makes the per-post encoder: the same bytes as the row encoder over
 * `Columns.toRow(post)`, without building the row. Columns whose values the
 * core produces in a fixed shape (booleans, counts, decoded timestamps) take
 * a shorter path once that shape is confirmed; anything else, as a malformed
 * archive can hold, goes through the general cell function.
 */
export const makePost = (options: EncoderOptions): EncodePost => {
  const text = makeCell(options)
  const formulas = options.escapeFormulas

  // `-?\d+` as the core decodes counts: never quoted; only a leading `-` can be prefixed.
  const count = (value: string): string =>
    typeof value === "string" && value.length !== 0 && digitsOrMinus(value)
      ? formulas && value.charCodeAt(0) === 0x2d
        ? "'" + value
        : value
      : text(value)

  // A decoded timestamp starts with a year digit and holds only `0-9 - : T Z +`: never quoted or prefixed.
  const timestamp = (t: Timestamp.Timestamp): string => {
    if (t.valid) {
      const seconds = t.seconds
      const first = seconds.charCodeAt(0)
      if (first >= 0x30 && first <= 0x39 && timestampUnits(seconds) && timestampUnits(t.offset)) {
        return seconds + t.offset
      }
      return text(seconds + t.offset)
    }
    return text(t.text)
  }

  return (post) =>
    text(post.uri) +
    "," +
    text(post.cid) +
    "," +
    text(post.did) +
    "," +
    text(post.text) +
    "," +
    timestamp(post.createdAt) +
    "," +
    count(post.likeCount) +
    "," +
    count(post.repostCount) +
    "," +
    count(post.replyCount) +
    "," +
    count(post.quoteCount) +
    (post.isReply ? ",true," : ",false,") +
    text(post.replyParent) +
    // MediaFiles is empty, and embed_data not parsed, unless has_media is set.
    (post.hasMedia ? ",true," + text(MediaFiles.cell(post)) + "," : ",false,,") +
    text(post.embedType) +
    "," +
    timestamp(post.indexedAt) +
    "\n"
}

/** An encoder for a batch of posts: its records as one chunk, "" for an empty batch. */
export type EncodeBatch = (batch: Post.PostBatch) => Chunk

/**
 * Makes the batch encoder the sink uses. A batch shorter than one segment
 * comes back as a string; a longer one as UTF-8 bytes in `into`, reused for
 * every batch (see `BatchText`).
 */
export const makeBatch = (options: EncoderOptions, into: BatchText.Scratch = BatchText.scratch()): EncodeBatch => {
  const record = makePost(options)
  return (batch) => BatchText.encode(batch, record, into)
}
