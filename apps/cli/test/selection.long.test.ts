/**
 * More of selection.test.ts, a CLI export each: ties in batches of 1 and
 * 1,000, and in csv in batches of 2, did:plc:alice and did:plc:alice2 beside each other, a range given as
 * RFC 3339 instants and with offsets, and ranges reaching the years 0000 and
 * 9999.
 */
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  DID,
  expectTiesOrdered,
  exportJson,
  keyOf,
  selectionArchive,
  TIE_ORDER,
  YEAR_RANGES,
  yearsInside
} from "./selection-archive.js"
import { exportOk, parseCsv, readExport } from "./support.js"

const fx = selectionArchive()

describe("selection and order", () => {
  it.each(["1", "1000"])(
    "ties on created_at are ordered by uri bytes in batches of %s; other DIDs never appear",
    (batch) => expectTiesOrdered(fx, batch),
    120_000
  )

  it("ties are ordered the same way in csv", async () => {
    const published = await exportOk(
      [
        "--db",
        fx.db,
        "--did",
        DID,
        "--format",
        "csv",
        "--batch-size",
        "2",
        "--out",
        path.join(fx.dir, "out"),
        "--quiet"
      ],
      { cwd: fx.dir }
    )
    const [, ...records] = parseCsv(readExport(published, "csv").data.toString("utf8"))
    expect(records.filter((r) => r[3]!.startsWith("tie ")).map((r) => keyOf(r[0]!))).toEqual(TIE_ORDER)
    expect(records.every((r) => r[2] === DID)).toBe(true)
  }, 120_000)

  it.each(["did:plc:alice", "did:plc:alice2"])(
    "%s gets its own rows only",
    async (did) => {
      const posts = await exportJson(fx, did)
      expect(posts).toHaveLength(1)
      expect(posts[0]!.did).toBe(did)
    },
    120_000
  )

  it("RFC 3339 instants select the same as the days they span", async () => {
    const byDays = await exportJson(fx, DID, ["--since", "2024-03-01", "--until", "2024-06-30"])
    const byInstants = await exportJson(fx, DID, [
      "--since",
      "2024-03-01T00:00:00Z",
      "--until",
      "2024-06-30T23:59:59.999999999Z"
    ])
    const withOffsets = await exportJson(fx, DID, [
      "--since",
      "2024-03-01T01:00:00+01:00",
      "--until",
      "2024-06-30T20:59:59.999999999-03:00"
    ])
    expect(byInstants.map((p) => p.uri)).toEqual(byDays.map((p) => p.uri))
    expect(withOffsets.map((p) => p.uri)).toEqual(byDays.map((p) => p.uri))
  }, 120_000)

  yearsInside(
    fx,
    YEAR_RANGES.filter((r) => r.loop !== true)
  )
})
