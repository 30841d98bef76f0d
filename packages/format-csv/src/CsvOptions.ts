/**
 * The plugin's options, as users give them (`--format-option`, a config file
 * or an HTTP request) and as the sink receives them: every key filled in.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const CsvOptions = Schema.Struct({
  /** Start the file with a UTF-8 byte order mark (`EF BB BF`). Default true, as bskyarchive writes it. */
  bom: Schema.Boolean.annotate({
    description: "Start the file with a UTF-8 byte order mark (default true)"
  }).pipe(Schema.withDecodingDefault(Effect.succeed(true))),
  /**
   * Prefix cells starting with `=`, `+`, `-`, `@`, TAB or CR (and the
   * full-width `＝`, `＋`, `－`, `＠`) with `'`, so that spreadsheets do not
   * run them as formulas. Default false: cells are written as stored.
   */
  escapeFormulas: Schema.Boolean.annotate({
    description: "Prefix cells starting with = + - @ TAB or CR with ' against formula injection (default false)"
  }).pipe(Schema.withDecodingDefault(Effect.succeed(false)))
})

/** Options after decoding: every key present. */
export type CsvOptions = typeof CsvOptions.Type

/** Options as accepted before decoding: every key optional. */
export type CsvOptionsInput = typeof CsvOptions.Encoded

/** The options used when none are given. */
export const defaults: CsvOptions = { bom: true, escapeFormulas: false }
