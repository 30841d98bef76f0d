/**
 * Property tests over hostile posts (`@skyporter/testkit/hostile`): any
 * unicode (lone surrogates, U+2028, control characters), stored JSON that is
 * valid, oddly spaced or invalid, counts up to 2^63, timestamps in every
 * spelling or none. posts.ndjson always has exactly one line per post, each
 * line parses back to the expected values, and the bytes do not depend on
 * where batches end.
 */
import { Sink } from "@skyporter/testkit"
import * as Hostile from "@skyporter/testkit/hostile"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ndjsonFormat } from "../src/index.js"

describe("posts.ndjson over hostile posts", () => {
  it("one line per post, each parsing back to the expected values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Hostile.row, { maxLength: 25 }), async (rows) => {
        const text = (await Sink.bytes(ndjsonFormat, [Hostile.decode(rows)], {})).toString("utf8")
        const lines = text.split("\n")
        expect(lines.pop()).toBe("") // every line ends with LF
        expect(lines).toHaveLength(rows.length)
        const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
        const expected = rows.map((r) => Hostile.jsonObject(r.expected))
        expect(parsed).toEqual(expected)
        expect(parsed.map((p) => Object.keys(p))).toEqual(expected.map((p) => Object.keys(p)))
      }),
      { numRuns: 300 }
    )
  })

  it("batched output equals one-piece output", async () => {
    await fc.assert(Hostile.batchingProperty(ndjsonFormat), { numRuns: 200 })
  })
})
