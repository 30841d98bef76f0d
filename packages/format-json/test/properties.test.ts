/**
 * Property tests over hostile posts (`@skyporter/testkit/hostile`): any
 * unicode (lone surrogates, control characters), text that looks like JSON,
 * stored JSON that is valid, oddly spaced or invalid, counts up to 2^63,
 * timestamps in every spelling or none. posts.json always parses back to
 * the expected values — key order and exact counts included — is
 * well-formed UTF-8, and does not depend on where batches end.
 */
import { Sink } from "@skyporter/testkit"
import * as Hostile from "@skyporter/testkit/hostile"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { jsonFormat } from "../src/index.js"

/** Counts as written, in file order: `"like_count": N` and its siblings at the posts' own nesting level. */
const COUNT = /\n {4}"(?:like|repost|reply|quote)_count": ([^,\n]*),/g

describe("posts.json over hostile posts", () => {
  it("parses back to the expected values, keys in order, counts exact, as well-formed UTF-8", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Hostile.row, { maxLength: 25 }), async (rows) => {
        const bytes = await Sink.bytes(jsonFormat, [Hostile.decode(rows)], {})
        const text = bytes.toString("utf8")
        expect(Buffer.from(text, "utf8").equals(bytes)).toBe(true)
        const parsed = JSON.parse(text) as Array<Record<string, unknown>>
        const expected = rows.map((r) => Hostile.jsonObject(r.expected))
        expect(parsed).toEqual(expected)
        expect(parsed.map((p) => Object.keys(p))).toEqual(expected.map((p) => Object.keys(p)))
        expect([...text.matchAll(COUNT)].map((m) => m[1])).toEqual(rows.flatMap((r) => Hostile.countTexts(r.expected)))
      }),
      { numRuns: 300 }
    )
  })

  it("batched output equals one-piece output", async () => {
    await fc.assert(Hostile.batchingProperty(jsonFormat), { numRuns: 200 })
  })

  it("writes the same bytes and warnings from stored records as from decoded posts", async () => {
    await fc.assert(Hostile.recordsProperty(jsonFormat), { numRuns: 200 })
  })
})
