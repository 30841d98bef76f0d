/**
 * Exports of 0, 1, 999, 1000, 1001, 2000 and 2001 posts (around the default
 * batch size of 1000): post_count, the parsed JSON array and the CSV records
 * all hold N posts — the very posts of the archive, in export order — and
 * the manifest's sha256 and byte count match the files on disk.
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportOk,
  exportOrder,
  generatePosts,
  jsonPosts,
  parseCsv,
  type PostRow,
  readExport,
  removeDir,
  tempDir,
  writeArchive
} from "./support.js"

const COUNTS = [0, 1, 999, 1000, 1001, 2000, 2001] as const
const didFor = (n: number) => `did:plc:count${n}`

let dir: string
let db: string
const expected = new Map<number, Array<PostRow>>()

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "counts.db")
  const rows: Array<PostRow> = []
  COUNTS.forEach((n, i) => {
    const posts = generatePosts(didFor(n), n, i)
    expected.set(n, exportOrder(posts))
    rows.push(...posts)
  })
  writeArchive(db, rows)
})

afterAll(() => removeDir(dir))

describe("post counts around the batch size", () => {
  it.each(COUNTS)(
    "%i posts: json",
    async (n) => {
      const published = await exportOk(
        ["--db", db, "--did", didFor(n), "--format", "json", "--out", path.join(dir, "out"), "--quiet"],
        { cwd: dir }
      )
      const { data, manifest } = readExport(published, "json")
      const posts = jsonPosts(data)
      expect(manifest.post_count).toBe(n)
      expect(posts).toHaveLength(n)
      const want = expected.get(n)!
      expect(posts.map((p) => p.uri)).toEqual(want.map((r) => r.uri))
      expect(posts.map((p) => p.text)).toEqual(want.map((r) => r.text))
      expect(new Set(posts.map((p) => p.did))).toEqual(new Set(n === 0 ? [] : [didFor(n)]))
    },
    120_000
  )

  it.each(COUNTS)(
    "%i posts: csv",
    async (n) => {
      const published = await exportOk(
        ["--db", db, "--did", didFor(n), "--format", "csv", "--out", path.join(dir, "out"), "--quiet"],
        { cwd: dir }
      )
      const { data, manifest } = readExport(published, "csv")
      const [header, ...records] = parseCsv(data.toString("utf8"))
      expect(header).toEqual([
        "URI",
        "CID",
        "DID",
        "Text",
        "CreatedAt",
        "LikeCount",
        "RepostCount",
        "ReplyCount",
        "QuoteCount",
        "IsReply",
        "ReplyParent",
        "HasMedia",
        "MediaFiles",
        "EmbedType",
        "IndexedAt"
      ])
      expect(manifest.post_count).toBe(n)
      expect(records).toHaveLength(n)
      const want = expected.get(n)!
      expect(records.every((r) => r.length === 15)).toBe(true)
      expect(records.map((r) => r[0])).toEqual(want.map((r) => r.uri))
      expect(records.map((r) => r[3])).toEqual(want.map((r) => r.text))
    },
    120_000
  )
})
