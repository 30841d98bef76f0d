/**
 * Rows to CSV text with csv-stringify's synchronous API, configured so that
 * its quoting is exactly the bskyarchive rule:
 *
 * a cell is enclosed in `"` iff it is non-empty and it contains `,`, `"`, CR
 * or LF, or it is exactly `\.`, or its first character is one of U+0009–U+000D,
 * U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000. Inside quotes `"` is doubled; nothing else is escaped.
 */
import { stringify, type Options as StringifyOptions } from "csv-stringify/sync"
import * as Columns from "./Columns.js"

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
 * The csv-stringify configuration. Everything that affects the bytes is set
 * explicitly rather than left to defaults:
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
  quote: "\"",
  escape: "\"",
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

/** An encoder for rows; each call returns whole LF-terminated records, "" for no rows. */
export type Encode = (rows: ReadonlyArray<ReadonlyArray<string>>) => string

/** Makes an encoder with one fixed configuration. */
export const make = (options: EncoderOptions): Encode => {
  const config = stringifyOptions(options)
  return (rows) => (rows.length === 0 ? "" : stringify(rows as Array<unknown>, config))
}
