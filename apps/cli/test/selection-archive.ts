/**
 * The archive of selection.test.ts and selection.long.test.ts: one DID's posts
 * tied on created_at with record keys whose byte order is not their insertion
 * order, posts on the edges of a date range in every spelling, other DIDs at
 * the same instants, and posts in the years 0000 and 9999.
 */
import * as path from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { exportOk, jsonPosts, postRow, type PostRow, readExport, removeDir, tempDir, writeArchive } from "./support.js"

export const DID = "did:plc:edges"
const TIE = "2024-04-20T12:00:00.000Z"

// Record keys whose UTF-8 byte order is not their insertion order; the last
// two compare differently as UTF-16 code units ("\u{1F600}" < "\uFF5E") than as bytes.
export const TIE_KEYS = [
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
export const TIE_ORDER = [
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
export const EDGES: ReadonlyArray<readonly [string, string, boolean]> = [
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

export interface SelectionArchive {
  dir: string
  db: string
}

/** The archive, made before the calling file's tests and removed after. */
export const selectionArchive = (): SelectionArchive => {
  const fixture: SelectionArchive = { dir: "", db: "" }
  beforeAll(() => {
    fixture.dir = tempDir()
    fixture.db = path.join(fixture.dir, "selection.db")
    writeArchive(fixture.db, rows())
  })
  afterAll(() => removeDir(fixture.dir))
  return fixture
}

const rows = (): Array<PostRow> => [
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

/** Exports `did` as json with `extra` flags; the posts of the file, checked against the manifest's count. */
export const exportJson = async (fixture: SelectionArchive, did: string, extra: ReadonlyArray<string> = []) => {
  const { dir, db } = fixture
  const published = await exportOk(["--db", db, "--did", did, "--out", path.join(dir, "out"), "--quiet", ...extra], {
    cwd: dir
  })
  const { data, manifest } = readExport(published, "json")
  const posts = jsonPosts(data)
  expect(manifest.post_count).toBe(posts.length)
  return posts
}

export const keyOf = (uri: string) => uri.slice(uri.lastIndexOf("/") + 1)

export const inRangeKeys = EDGES.filter(([, , inside]) => inside).map(([k]) => k)

/** An export of DID with `--batch-size batch`: every post of DID once, the tied ones in uri-byte order, together. */
export const expectTiesOrdered = async (fixture: SelectionArchive, batch: string) => {
  const posts = await exportJson(fixture, DID, ["--batch-size", batch])
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

const ALL_YEARS = ["3kyear9999", "3kyear2024", "3kyear0000"]

/** Ranges and the posts of did:plc:extreme (years 0000, 2024, 9999) they hold. */
export const YEAR_RANGES: ReadonlyArray<{ range: ReadonlyArray<string>; want: ReadonlyArray<string>; loop?: boolean }> =
  [
    { range: [], want: ALL_YEARS },
    { range: ["--until", "9999-12-31"], want: ALL_YEARS },
    { range: ["--since", "0000-01-01"], want: ALL_YEARS },
    { range: ["--since", "9999-01-01", "--until", "9999-12-31"], want: ["3kyear9999"] },
    { range: ["--since", "0000-01-01", "--until", "0000-12-31"], want: ["3kyear0000"], loop: true },
    { range: ["--since", "2024-01-01", "--until", "2024-12-31"], want: ["3kyear2024"] }
  ]

/** Each range: the export holds exactly its posts, newest first. */
export const yearsInside = (fixture: SelectionArchive, ranges: typeof YEAR_RANGES) =>
  it.each(ranges)(
    "years 0000 and 9999 are inside ranges that reach them: $range",
    async ({ range, want }) => {
      const posts = await exportJson(fixture, "did:plc:extreme", range)
      expect(posts.map((p) => keyOf(p.uri))).toEqual(want)
    },
    120_000
  )
