/**
 * Property tests over hostile posts (`@skyporter/testkit/hostile`): any
 * unicode (lone surrogates, control characters), text that looks like CSV
 * (commas, quotes, CR, LF, `\.`, leading spaces) or a formula, counts up to
 * 2^63, timestamps in every spelling or none. posts.csv always parses back
 * with an independent parser (csv-parse) to the expected cells — with and
 * without the BOM and formula escaping — and does not depend on where
 * batches end.
 */
import * as Hostile from "@skyporter/testkit/hostile"
import { parse } from "csv-parse/sync"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { plugin } from "../src/CsvPlugin.js"
import { encode } from "./support.js"

const options = fc.record({ bom: fc.boolean(), escapeFormulas: fc.boolean() })

describe("posts.csv over hostile posts", () => {
  it("parses back (csv-parse) to the expected cells", () => {
    fc.assert(
      fc.property(fc.array(Hostile.row, { maxLength: 25 }), options, (rows, opts) => {
        const bytes = encode(opts, [Hostile.decode(rows)])
        expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(opts.bom)
        const records = parse(bytes, { bom: true, record_delimiter: "\n", relax_quotes: false }) as Array<Array<string>>
        expect(records[0]).toEqual(Hostile.CSV_HEADER)
        expect(records.slice(1)).toEqual(rows.map((r) => Hostile.csvCells(r.expected, opts)))
      }),
      { numRuns: 300 }
    )
  })

  it("batched output equals one-piece output", async () => {
    await fc.assert(Hostile.batchingProperty(plugin, options), { numRuns: 200 })
  })

  it("writes the same bytes and warnings from stored records as from decoded posts", async () => {
    await fc.assert(Hostile.recordsProperty(plugin, options), { numRuns: 200 })
  })
})
