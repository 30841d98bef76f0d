/**
 * The plugin's options, as users give them (`--option`, a config file or an
 * HTTP request) and as the sink receives them: every key filled in.
 */
import { booleanOption, optionsSchema } from "@skyporter/plugin"

/** Options after decoding: every key present. */
export interface CsvOptions {
  /** Start the file with a UTF-8 byte order mark (`EF BB BF`). Default true, as bskyarchive writes it. */
  readonly bom: boolean
  /**
   * Prefix cells starting with `=`, `+`, `-`, `@`, TAB or CR (and the
   * full-width `＝`, `＋`, `－`, `＠`) with `'`, so that spreadsheets do not
   * run them as formulas. Default false: cells are written as stored.
   */
  readonly escapeFormulas: boolean
}

/** Options as accepted before decoding: every key optional. */
export type CsvOptionsInput = Partial<CsvOptions>

/** The options used when none are given. */
export const defaults: CsvOptions = { bom: true, escapeFormulas: false }

/** The options schema (a Standard Schema): `bom` and `escapeFormulas`, booleans with the defaults above. */
export const CsvOptions = optionsSchema<CsvOptions>(["bom", "escapeFormulas"], (input) => {
  const issues: Array<{ message: string; path: Array<PropertyKey> }> = []
  const value = {
    bom: booleanOption(input, "bom", defaults.bom, issues),
    escapeFormulas: booleanOption(input, "escapeFormulas", defaults.escapeFormulas, issues)
  }
  return issues.length === 0 ? { value } : { issues }
})
