/**
 * The bytes of an export never depend on the batch size: `--batch-size`
 * 1, 7, 999, 1000, 1001 and one piece give identical files, for json and
 * csv, on the compat fixture (equal to the golden vectors) and on
 * synthetic archives larger than two default batches. 42 exports: the loop
 * keeps two of them (golden.test.ts), and each format's conformance suite
 * checks batches of 1, 7, 1000 and 1001 in-process.
 */
import { Compat, Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportOk,
  generatePosts,
  jsonPosts,
  parseCsv,
  readExport,
  removeDir,
  tempDir,
  writeArchive
} from "./support.js"

const SIZES = [1, 7, 999, 1000, 1001, 1_000_000] as const
const FORMATS = ["json", "csv"] as const

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

/** Exports with every batch size; returns the data files, checking each manifest. */
const exportAllSizes = async (db: string, did: string, format: string, posts: number): Promise<Array<Buffer>> => {
  const files: Array<Buffer> = []
  for (const size of SIZES) {
    const published = await exportOk(
      [
        "--db",
        db,
        "--did",
        did,
        "--format",
        format,
        "--batch-size",
        String(size),
        "--out",
        path.join(dir, "out"),
        "--quiet"
      ],
      { cwd: dir }
    )
    const { data, manifest } = readExport(published, format)
    expect(manifest.post_count, `post_count with --batch-size ${size}`).toBe(posts)
    files.push(data)
  }
  return files
}

const expectAllEqual = (files: ReadonlyArray<Buffer>) => {
  files.forEach((file, i) => {
    expect(file.equals(files[0]!), `--batch-size ${SIZES[i]} differs from --batch-size ${SIZES[0]}`).toBe(true)
  })
}

/** Whether the testkit's synthetic generator works in this tree (it is still being written). */
const syntheticWorks = (() => {
  const probe = tempDir()
  try {
    Synthetic.seedArchive(path.join(probe, "probe.db"), { posts: 3, seed: 1 })
    return true
  } catch {
    return false
  } finally {
    removeDir(probe)
  }
})()

describe("byte identity across --batch-size", () => {
  describe("compat fixture (did:plc:alice)", () => {
    let db: string
    beforeAll(() => {
      db = path.join(dir, "compat.db")
      Compat.writeCompatArchive(db)
    })

    it.each(FORMATS)(
      "%s equals the golden vector with every batch size",
      async (format) => {
        const files = await exportAllSizes(db, "did:plc:alice", format, 120)
        const golden = Compat.golden(format === "json" ? "alice.all.posts.json" : "alice.all.posts.csv")
        files.forEach((file, i) =>
          expect(file.equals(golden), `--batch-size ${SIZES[i]} differs from the golden`).toBe(true)
        )
      },
      300_000
    )

    it.each(FORMATS)(
      "%s date range equals the golden vector with every batch size",
      async (format) => {
        const golden = Compat.golden(format === "json" ? "alice.range.posts.json" : "alice.range.posts.csv")
        for (const size of [1, 7, 1_000_000]) {
          const published = await exportOk(
            [
              "--db",
              db,
              "--did",
              "did:plc:alice",
              "--format",
              format,
              "--since",
              Compat.RANGE.since,
              "--until",
              Compat.RANGE.until,
              "--batch-size",
              String(size),
              "--out",
              path.join(dir, "out"),
              "--quiet"
            ],
            { cwd: dir }
          )
          expect(readExport(published, format).data.equals(golden), `--batch-size ${size}`).toBe(true)
        }
      },
      300_000
    )
  })

  describe("generated archive of 2,503 posts (ties, multi-line texts)", () => {
    const did = "did:plc:batchsizes"
    const POSTS = 2_503
    let db: string
    beforeAll(() => {
      db = path.join(dir, "generated.db")
      // Other DIDs at the same instants must not change anything.
      writeArchive(db, [...generatePosts(did, POSTS), ...generatePosts("did:plc:batchsizes2", 40)])
    })

    it("json: identical files, all posts", async () => {
      const files = await exportAllSizes(db, did, "json", POSTS)
      expectAllEqual(files)
      expect(jsonPosts(files[0]!)).toHaveLength(POSTS)
    }, 300_000)

    it("csv: identical files, all posts", async () => {
      const files = await exportAllSizes(db, did, "csv", POSTS)
      expectAllEqual(files)
      expect(parseCsv(files[0]!.toString("utf8"))).toHaveLength(POSTS + 1)
    }, 300_000)
  })

  describe.skipIf(!syntheticWorks)("testkit Synthetic archive", () => {
    let db: string
    let did: string
    let posts: number
    beforeAll(() => {
      db = path.join(dir, "synthetic.db")
      const result = Synthetic.seedArchive(db, { posts: 2_100, seed: 42 })
      did = result.did
      posts = result.posts
    })

    it.each(FORMATS)(
      "%s: identical files, all posts",
      async (format) => {
        const files = await exportAllSizes(db, did, format, posts)
        expectAllEqual(files)
        if (format === "json") expect(jsonPosts(files[0]!)).toHaveLength(posts)
        else expect(parseCsv(files[0]!.toString("utf8"))).toHaveLength(posts + 1)
      },
      300_000
    )
  })
})
