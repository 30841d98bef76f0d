/**
 * Which posts an export holds, and in which order: exact DID match, ties on
 * `created_at` ordered by uri bytes, and inclusive date-range edges compared
 * as instants (days and RFC 3339 instants).
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportOk,
  jsonPosts,
  parseCsv,
  postRow,
  type PostRow,
  readExport,
  removeDir,
  tempDir,
  writeArchive
} from "./support.js"

const DID = "did:plc:edges"
const TIE = "2024-04-20T12:00:00.000Z"

// Record keys whose UTF-8 byte order is not their insertion order; the last
// two compare differently as UTF-16 code units ("\u{1F600}" < "\uFF5E") than as bytes.
const TIE_KEYS = [
  "3ktie~~",
  "3ktieaa",
  "3ktie--",
  "3ktie__",
  "3ktie00",
  "3ktieAA",
  "3ktie..",
  "3ktiezz",
  "3ktie\uFF5E",
  "3ktie\u{1F600}"
]
const TIE_ORDER = [
  "3ktie--",
  "3ktie..",
  "3ktie00",
  "3ktieAA",
  "3ktie__",
  "3ktieaa",
  "3ktiezz",
  "3ktie~~",
  "3ktie\uFF5E",
  "3ktie\u{1F600}"
]

/** Stored created_at → whether it is inside --since 2024-03-01 --until 2024-06-30. */
const EDGES: ReadonlyArray<readonly [string, string, boolean]> = [
  ["3kedge01", "2024-02-29T23:59:59.999Z", false],
  ["3kedge02", "2024-02-29T23:59:59.999999999Z", false],
  ["3kedge03", "2024-03-01T00:00:00.000Z", true],
  ["3kedge04", "2024-03-01T00:00:00Z", true],
  ["3kedge05", "2024-03-01T00:00:00.001Z", true],
  ["3kedge06", "2024-03-01 00:00:00", true], // SQLite form, UTC
  ["3kedge07", "2024-02-29T23:30:00-01:00", true], // = 2024-03-01T00:30:00Z
  ["3kedge08", "2024-03-01T00:30:00+01:00", false], // = 2024-02-29T23:30:00Z
  ["3kedge09", "2024-06-30T23:59:59Z", true],
  ["3kedge10", "2024-06-30T23:59:59.999Z", true],
  ["3kedge11", "2024-06-30T23:59:59.999999999Z", true],
  ["3kedge12", "2024-07-01T01:00:00+02:00", true], // = 2024-06-30T23:00:00Z
  ["3kedge13", "2024-06-30T23:30:00-01:00", false], // = 2024-07-01T00:30:00Z
  ["3kedge14", "2024-07-01T00:00:00Z", false],
  ["3kedge15", "2024-07-01T00:00:00.000Z", false],
  ["3kedge16", "2024-07-01 00:00:00", false]
]

let dir: string
let db: string
let rows: Array<PostRow>

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "selection.db")
  rows = [
    ...TIE_KEYS.map((k) => postRow(DID, k, TIE, `tie ${k}`)),
    ...EDGES.map(([k, t]) => postRow(DID, k, t, `edge ${t}`)),
    // Other DIDs at the same instants (and with the same record keys).
    ...["did:plc:edges2", "did:plc:EDGES", "did:plc:edge", "did:plc:edges:x"].flatMap((other) => [
      postRow(other, "3ktie--", TIE, `other ${other}`),
      postRow(other, "3kedge03", "2024-03-01T00:00:00.000Z", `other ${other}`),
      postRow(other, "3kedge11", "2024-06-30T23:59:59.999999999Z", `other ${other}`)
    ]),
    // The first and last years an instant can have.
    postRow("did:plc:extreme", "3kyear0000", "0000-06-01T00:00:00Z", "year 0"),
    postRow("did:plc:extreme", "3kyear2024", "2024-06-01T00:00:00Z", "year 2024"),
    postRow("did:plc:extreme", "3kyear9999", "9999-06-01T00:00:00Z", "year 9999"),
    // did:plc:alice's neighbours, as in the compat fixture.
    postRow("did:plc:alice", "3kalice1", TIE, "alice"),
    postRow("did:plc:alice2", "3kalice2", TIE, "alice2"),
    postRow("did:plc:ALICE", "3kalice3", TIE, "ALICE")
  ]
  writeArchive(db, rows)
})

afterAll(() => removeDir(dir))

const exportJson = async (did: string, extra: ReadonlyArray<string> = []) => {
  const published = await exportOk(["--db", db, "--did", did, "--out", path.join(dir, "out"), "--quiet", ...extra], {
    cwd: dir
  })
  const { data, manifest } = readExport(published, "json")
  const posts = jsonPosts(data)
  expect(manifest.post_count).toBe(posts.length)
  return posts
}

const keyOf = (uri: string) => uri.slice(uri.lastIndexOf("/") + 1)

const inRangeKeys = EDGES.filter(([, , inside]) => inside).map(([k]) => k)

describe("selection and order", () => {
  it("ties on created_at are ordered by uri bytes; other DIDs never appear", async () => {
    for (const batch of ["1", "3", "1000"]) {
      const posts = await exportJson(DID, ["--batch-size", batch])
      expect(posts.every((p) => p.did === DID)).toBe(true)
      expect(posts).toHaveLength(TIE_KEYS.length + EDGES.length)
      const tied = posts.filter((p) => p.text.startsWith("tie ")).map((p) => keyOf(p.uri))
      expect(tied).toEqual(TIE_ORDER)
      // The tie group sits in one run at its place in created_at order.
      const first = posts.findIndex((p) => p.text.startsWith("tie "))
      expect(posts.slice(first, first + TIE_KEYS.length).every((p) => p.text.startsWith("tie "))).toBe(true)
      // No duplicates.
      expect(new Set(posts.map((p) => p.uri)).size).toBe(posts.length)
    }
  }, 120_000)

  it("ties are ordered the same way in csv", async () => {
    const published = await exportOk(
      ["--db", db, "--did", DID, "--format", "csv", "--batch-size", "2", "--out", path.join(dir, "out"), "--quiet"],
      { cwd: dir }
    )
    const [, ...records] = parseCsv(readExport(published, "csv").data.toString("utf8"))
    expect(records.filter((r) => r[3]!.startsWith("tie ")).map((r) => keyOf(r[0]!))).toEqual(TIE_ORDER)
    expect(records.every((r) => r[2] === DID)).toBe(true)
  }, 120_000)

  it.each(["did:plc:alice", "did:plc:alice2", "did:plc:ALICE"])(
    "%s gets its own rows only",
    async (did) => {
      const posts = await exportJson(did)
      expect(posts).toHaveLength(1)
      expect(posts[0]!.did).toBe(did)
    },
    120_000
  )

  it("a DID with SQL wildcard characters matches nothing", async () => {
    // `_` and `%` would match alice's rows if the DID were used as a LIKE pattern.
    expect(await exportJson("did:plc:al_ce")).toEqual([])
    // A valid percent-escape (%ce) that, as a LIKE pattern, would match "did:plc:alice".
    expect(await exportJson("did:plc:%ce")).toEqual([])
  }, 120_000)

  it("day bounds are inclusive and compared as instants", async () => {
    const posts = await exportJson(DID, ["--since", "2024-03-01", "--until", "2024-06-30", "--batch-size", "4"])
    expect(
      posts
        .map((p) => keyOf(p.uri))
        .filter((k) => k.startsWith("3kedge"))
        .sort()
    ).toEqual([...inRangeKeys].sort())
    // The tie instant (2024-04-20) is inside too.
    expect(posts.filter((p) => p.text.startsWith("tie "))).toHaveLength(TIE_KEYS.length)
  }, 120_000)

  it("RFC 3339 instants select the same as the days they span", async () => {
    const byDays = await exportJson(DID, ["--since", "2024-03-01", "--until", "2024-06-30"])
    const byInstants = await exportJson(DID, [
      "--since",
      "2024-03-01T00:00:00Z",
      "--until",
      "2024-06-30T23:59:59.999999999Z"
    ])
    const withOffsets = await exportJson(DID, [
      "--since",
      "2024-03-01T01:00:00+01:00",
      "--until",
      "2024-06-30T20:59:59.999999999-03:00"
    ])
    expect(byInstants.map((p) => p.uri)).toEqual(byDays.map((p) => p.uri))
    expect(withOffsets.map((p) => p.uri)).toEqual(byDays.map((p) => p.uri))
  }, 120_000)

  it("an instant bound is exact to the fraction", async () => {
    const posts = await exportJson(DID, ["--since", "2024-03-01T00:00:00.001Z", "--until", "2024-06-30T23:59:59.999Z"])
    const keys = posts
      .map((p) => keyOf(p.uri))
      .filter((k) => k.startsWith("3kedge"))
      .sort()
    // .000Z, 00Z and the SQLite form are before .001; .999999999Z is after .999.
    expect(keys).toEqual(["3kedge05", "3kedge07", "3kedge09", "3kedge10", "3kedge12"])
  }, 120_000)

  it("only --since or only --until", async () => {
    const since = await exportJson(DID, ["--since", "2024-07-01"])
    expect(since.map((p) => keyOf(p.uri)).sort()).toEqual(["3kedge13", "3kedge14", "3kedge15", "3kedge16"])
    const until = await exportJson(DID, ["--until", "2024-02-29"])
    expect(until.map((p) => keyOf(p.uri)).sort()).toEqual(["3kedge01", "3kedge02", "3kedge08"])
  }, 120_000)

  const ALL_YEARS = ["3kyear9999", "3kyear2024", "3kyear0000"]
  it.each([
    { range: [], want: ALL_YEARS },
    { range: ["--until", "9999-12-31"], want: ALL_YEARS },
    { range: ["--since", "0000-01-01"], want: ALL_YEARS },
    { range: ["--since", "9999-01-01", "--until", "9999-12-31"], want: ["3kyear9999"] },
    { range: ["--since", "0000-01-01", "--until", "0000-12-31"], want: ["3kyear0000"] },
    { range: ["--since", "2024-01-01", "--until", "2024-12-31"], want: ["3kyear2024"] }
  ])(
    "years 0000 and 9999 are inside ranges that reach them: $range",
    async ({ range, want }) => {
      const posts = await exportJson("did:plc:extreme", range)
      expect(posts.map((p) => keyOf(p.uri))).toEqual(want)
    },
    120_000
  )
})
