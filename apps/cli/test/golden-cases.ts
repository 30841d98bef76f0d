/**
 * For golden.test.ts and golden.long.test.ts: the bskyarchive golden vectors, each an export of
 * the compat fixture archive that must equal its golden file byte for byte.
 */
import { Compat } from "@skyporter/testkit"
import * as path from "node:path"
import { expect, it } from "vitest"
import { exportOk, readExport } from "./support.js"

export const range = ["--since", Compat.RANGE.since, "--until", Compat.RANGE.until]

export const CASES: ReadonlyArray<{
  readonly name: string
  readonly did: string
  readonly format: "json" | "csv"
  readonly extra: ReadonlyArray<string>
  readonly golden: Compat.GoldenName
  readonly posts: number
  /** Also in `npm test` (the rest: golden.long.test.ts). */
  readonly loop: boolean
}> = [
  {
    name: "alice, all posts, json",
    did: "did:plc:alice",
    format: "json",
    extra: [],
    golden: "alice.all.posts.json",
    posts: 120,
    loop: true
  },
  {
    name: "alice, all posts, csv",
    did: "did:plc:alice",
    format: "csv",
    extra: [],
    golden: "alice.all.posts.csv",
    posts: 120,
    loop: true
  },
  {
    name: "alice, date range, json",
    did: "did:plc:alice",
    format: "json",
    extra: range,
    golden: "alice.range.posts.json",
    posts: 89,
    loop: true
  },
  {
    name: "alice, date range, csv",
    did: "did:plc:alice",
    format: "csv",
    extra: range,
    golden: "alice.range.posts.csv",
    posts: 89,
    loop: true
  },
  {
    name: "bob, all posts, json",
    did: "did:plc:bob",
    format: "json",
    extra: [],
    golden: "bob.all.posts.json",
    posts: 12,
    loop: true
  },
  // Batches of any size write the same bytes (every size, on larger archives: batch-size.long.test.ts).
  {
    name: "alice, all posts, json, --batch-size 7",
    did: "did:plc:alice",
    format: "json",
    extra: ["--batch-size", "7"],
    golden: "alice.all.posts.json",
    posts: 120,
    loop: true
  },
  {
    name: "alice, date range, csv, --batch-size 1",
    did: "did:plc:alice",
    format: "csv",
    extra: [...range, "--batch-size", "1"],
    golden: "alice.range.posts.csv",
    posts: 89,
    loop: false
  },
  {
    name: "nobody (no rows), csv",
    did: "did:plc:nobody",
    format: "csv",
    extra: [],
    golden: "empty.posts.csv",
    posts: 0,
    loop: true
  }
]

/** For each case: the export of `fx.db` into `fx.dir` equals its golden file, with its manifest. */
export const matchesGolden = (fx: { readonly dir: string; readonly db: string }, cases: typeof CASES) =>
  it.each(cases)(
    "$name",
    async ({ did, extra, format, golden, posts }) => {
      const out = path.join(fx.dir, "out")
      const published = await exportOk(["--db", fx.db, "--did", did, "--format", format, "--out", out, ...extra], {
        cwd: fx.dir
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
