/**
 * The bskyarchive golden vectors, byte for byte, through the real CLI:
 * `skyporter export` on the compat fixture archive.
 */
import { Compat } from "@skyporter/testkit"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CASES, matchesGolden } from "./golden-cases.js"
import { exportOk, readExport, removeDir, tempDir } from "./support.js"

const fx = { dir: "", db: "" }

beforeAll(() => {
  fx.dir = tempDir()
  fx.db = path.join(fx.dir, "compat.db")
  Compat.writeCompatArchive(fx.db)
})

afterAll(() => removeDir(fx.dir))

describe("golden vectors through the CLI", () => {
  // A date range in csv in batches of 1 as well: golden.long.test.ts (every size, on larger
  // archives: batch-size.long.test.ts).
  matchesGolden(
    fx,
    CASES.filter((c) => c.loop)
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
      ["--db", fx.db, "--did", "did:plc:alice", "--format", "ndjson", "--out", path.join(fx.dir, "out-ndjson")],
      { cwd: fx.dir }
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
      ["--db", fx.db, "--did", "did:plc:nobody", "--format", "ndjson", "--out", path.join(fx.dir, "out-ndjson-empty")],
      { cwd: fx.dir }
    )
    expect(readExport(published, "ndjson").data.length).toBe(0)
  }, 120_000)
})
