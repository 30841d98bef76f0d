/**
 * Which posts an export holds, and in which order: exact DID match, ties on
 * `created_at` ordered by uri bytes, and inclusive date-range edges compared
 * as instants (days and RFC 3339 instants). More batch sizes, the order in
 * csv, DIDs, spellings of a range and years: selection.long.test.ts.
 */
import { describe, expect, it } from "vitest"
import {
  DID,
  expectTiesOrdered,
  exportJson,
  inRangeKeys,
  keyOf,
  selectionArchive,
  TIE_KEYS,
  YEAR_RANGES,
  yearsInside
} from "./selection-archive.js"

const fx = selectionArchive()

describe("selection and order", () => {
  it("ties on created_at are ordered by uri bytes; other DIDs never appear", () => expectTiesOrdered(fx, "3"), 120_000)

  // The same order in csv (in batches of 2): selection.long.test.ts.

  it("did:plc:ALICE gets its own rows only, not did:plc:alice's", async () => {
    const posts = await exportJson(fx, "did:plc:ALICE")
    expect(posts).toHaveLength(1)
    expect(posts[0]!.did).toBe("did:plc:ALICE")
  }, 120_000)

  it("a DID with SQL wildcard characters matches nothing", async () => {
    // `_` and `%` would match alice's rows if the DID were used as a LIKE pattern.
    expect(await exportJson(fx, "did:plc:al_ce")).toEqual([])
    // A valid percent-escape (%ce) that, as a LIKE pattern, would match "did:plc:alice".
    expect(await exportJson(fx, "did:plc:%ce")).toEqual([])
  }, 120_000)

  it("day bounds are inclusive and compared as instants", async () => {
    const posts = await exportJson(fx, DID, ["--since", "2024-03-01", "--until", "2024-06-30", "--batch-size", "4"])
    expect(
      posts
        .map((p) => keyOf(p.uri))
        .filter((k) => k.startsWith("3kedge"))
        .sort()
    ).toEqual([...inRangeKeys].sort())
    // The tie instant (2024-04-20) is inside too.
    expect(posts.filter((p) => p.text.startsWith("tie "))).toHaveLength(TIE_KEYS.length)
  }, 120_000)

  it("an instant bound is exact to the fraction", async () => {
    const posts = await exportJson(fx, DID, [
      "--since",
      "2024-03-01T00:00:00.001Z",
      "--until",
      "2024-06-30T23:59:59.999Z"
    ])
    const keys = posts
      .map((p) => keyOf(p.uri))
      .filter((k) => k.startsWith("3kedge"))
      .sort()
    // .000Z, 00Z and the SQLite form are before .001; .999999999Z is after .999.
    expect(keys).toEqual(["3kedge05", "3kedge07", "3kedge09", "3kedge10", "3kedge12"])
  }, 120_000)

  it("only --since or only --until", async () => {
    const since = await exportJson(fx, DID, ["--since", "2024-07-01"])
    expect(since.map((p) => keyOf(p.uri)).sort()).toEqual(["3kedge13", "3kedge14", "3kedge15", "3kedge16"])
    const until = await exportJson(fx, DID, ["--until", "2024-02-29"])
    expect(until.map((p) => keyOf(p.uri)).sort()).toEqual(["3kedge01", "3kedge02", "3kedge08"])
  }, 120_000)

  yearsInside(
    fx,
    YEAR_RANGES.filter((r) => r.loop === true)
  )
})
