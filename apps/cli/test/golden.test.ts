/**
 * The bskyarchive golden vectors, byte for byte, through the real CLI:
 * `skyporter export` on the compat fixture archive.
 */
import { Compat } from "@skyporter/testkit"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, readExport, removeDir, tempDir } from "./support.js"

let dir: string
let db: string

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "compat.db")
  Compat.writeCompatArchive(db)
})

afterAll(() => removeDir(dir))

const range = ["--since", Compat.RANGE.since, "--until", Compat.RANGE.until]

const cases: ReadonlyArray<{
  readonly name: string
  readonly did: string
  readonly format: "json" | "csv"
  readonly extra: ReadonlyArray<string>
  readonly golden: Compat.GoldenName
  readonly posts: number
}> = [
  {
    name: "alice, all posts, json",
    did: "did:plc:alice",
    format: "json",
    extra: [],
    golden: "alice.all.posts.json",
    posts: 120
  },
  {
    name: "alice, all posts, csv",
    did: "did:plc:alice",
    format: "csv",
    extra: [],
    golden: "alice.all.posts.csv",
    posts: 120
  },
  {
    name: "alice, date range, json",
    did: "did:plc:alice",
    format: "json",
    extra: range,
    golden: "alice.range.posts.json",
    posts: 89
  },
  {
    name: "alice, date range, csv",
    did: "did:plc:alice",
    format: "csv",
    extra: range,
    golden: "alice.range.posts.csv",
    posts: 89
  },
  {
    name: "bob, all posts, json",
    did: "did:plc:bob",
    format: "json",
    extra: [],
    golden: "bob.all.posts.json",
    posts: 12
  },
  // Batches of any size write the same bytes (every size, on larger archives: batch-size.long.test.ts).
  {
    name: "alice, all posts, json, --batch-size 7",
    did: "did:plc:alice",
    format: "json",
    extra: ["--batch-size", "7"],
    golden: "alice.all.posts.json",
    posts: 120
  },
  {
    name: "alice, date range, csv, --batch-size 1",
    did: "did:plc:alice",
    format: "csv",
    extra: [...range, "--batch-size", "1"],
    golden: "alice.range.posts.csv",
    posts: 89
  },
  {
    name: "nobody (no rows), csv",
    did: "did:plc:nobody",
    format: "csv",
    extra: [],
    golden: "empty.posts.csv",
    posts: 0
  }
]

describe("golden vectors through the CLI", () => {
  it.each(cases)(
    "$name",
    async ({ did, extra, format, golden, posts }) => {
      const out = path.join(dir, "out")
      const published = await exportOk(["--db", db, "--did", did, "--format", format, "--out", out, ...extra], {
        cwd: dir
      })
      expect(path.dirname(published)).toBe(path.join(out, did))
      const { data, manifest } = readExport(published, format)
      const expected = Compat.golden(golden)
      // Byte for byte (compared as buffers so a mismatch shows where).
      expect(data.equals(expected), `posts.${format} differs from ${golden}`).toBe(true)
      expect(manifest.post_count).toBe(posts)
      expect(manifest.did).toBe(did)
      expect(manifest.export_format).toBe(format)
      expect(manifest.date_range).toEqual(
        extra.includes("--since")
          ? { since: Compat.RANGE.since, until: Compat.RANGE.until }
          : { since: null, until: null }
      )
    },
    120_000
  )

  it("the empty golden is just the BOM and the header line", () => {
    const empty = readFileSync(Compat.goldenPath("empty.posts.csv"))
    expect([...empty.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(empty.subarray(3).toString("utf8").split("\n")).toHaveLength(2)
  })
})

describe("ndjson through the CLI", () => {
  it("holds the golden JSON's posts, one compact object per line", async () => {
    const published = await exportOk(
      ["--db", db, "--did", "did:plc:alice", "--format", "ndjson", "--out", path.join(dir, "out-ndjson")],
      { cwd: dir }
    )
    const { data, manifest } = readExport(published, "ndjson")
    const text = data.toString("utf8")
    expect(text.endsWith("\n")).toBe(true)
    const lines = text.slice(0, -1).split("\n")
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      JSON.parse(Compat.golden("alice.all.posts.json").toString("utf8"))
    )
    expect(lines.every((line) => !line.includes("\n") && !/^\s|\s$/.test(line))).toBe(true)
    expect(manifest).toMatchObject({ export_format: "ndjson", post_count: 120 })
  }, 120_000)

  it("is an empty file when no post matches", async () => {
    const published = await exportOk(
      ["--db", db, "--did", "did:plc:nobody", "--format", "ndjson", "--out", path.join(dir, "out-ndjson-empty")],
      { cwd: dir }
    )
    expect(readExport(published, "ndjson").data.length).toBe(0)
  }, 120_000)
})
