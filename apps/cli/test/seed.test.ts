/**
 * `skyporter seed`: writes a deterministic synthetic archive that exports.
 * Its progress, and a --db that is a folder, in a missing folder, under a
 * file or on a read-only filesystem refused: seed.long.test.ts.
 */
import { Synthetic } from "@skyporter/testkit"
import { randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BAD_ARGUMENTS, refusesBadArguments } from "./seed-arguments.js"
import { exportOk, jsonPosts, parseCsv, readExport, removeDir, run, show, tempDir } from "./support.js"

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

const seed = (args: ReadonlyArray<string>) => run(["seed", ...args], { cwd: dir })

describe("skyporter seed", () => {
  it("writes an archive whose export holds the seeded posts", async () => {
    const db = path.join(dir, "seeded.db")
    const r = await seed(["--db", db, "--posts", "234", "--seed", "5"])
    expect(r.code, show(r)).toBe(0)
    // stdout: the DID only; the summary goes to stderr.
    expect(r.stdout).toBe(`${Synthetic.DEFAULT_DID}\n`)
    expect(r.stderr).toMatch(/seeded 234 posts for did:plc:/)
    const published = await exportOk(
      ["--db", db, "--did", Synthetic.DEFAULT_DID, "--out", path.join(dir, "out"), "--quiet"],
      {
        cwd: dir
      }
    )
    const { data, manifest } = readExport(published, "json")
    expect(manifest.post_count).toBe(234)
    const posts = jsonPosts(data)
    expect(posts).toHaveLength(234)
    expect(posts.every((p) => p.did === Synthetic.DEFAULT_DID)).toBe(true)
    const csv = await exportOk(
      ["--db", db, "--did", Synthetic.DEFAULT_DID, "--format", "csv", "--out", path.join(dir, "out"), "--quiet"],
      { cwd: dir }
    )
    const [, ...records] = parseCsv(readExport(csv, "csv").data.toString("utf8"))
    expect(records.map((record) => record[0])).toEqual(posts.map((p) => p.uri))
  }, 180_000)

  // The same seed twice, through exports: seed.long.test.ts (in-process: Synthetic.test.ts).
  it("0 posts seeds an archive that exports 0 posts", async () => {
    const db = path.join(dir, "zero.db")
    const r = await seed(["--db", db, "--posts", "0"])
    expect(r.code, show(r)).toBe(0)
    const published = await exportOk(
      ["--db", db, "--did", Synthetic.DEFAULT_DID, "--out", path.join(dir, "out"), "--quiet"],
      {
        cwd: dir
      }
    )
    expect(readExport(published, "json").data.toString()).toBe("[]\n")
  }, 120_000)

  // Two more, a --posts that is no number and a missing --posts: seed.long.test.ts.
  refusesBadArguments(
    BAD_ARGUMENTS.filter((c) => c.loop),
    () => dir
  )

  it("with --did seeds that DID, and refuses to seed a DID that already has posts, leaving the archive as it was", async () => {
    const db = path.join(dir, "twice.db")
    const did = "did:plc:seededcustomdid"
    const first = await seed(["--db", db, "--posts", "40", "--did", did])
    expect(first.code, show(first)).toBe(0)
    expect(first.stdout).toBe(`${did}\n`)
    const before = readFileSync(db)
    const r = await seed(["--db", db, "--posts", "40", "--did", did])
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(/already has posts/)
    expect(readFileSync(db).equals(before)).toBe(true)
    const published = await exportOk(["--db", db, "--did", did, "--out", path.join(dir, "out"), "--quiet"], {
      cwd: dir
    })
    expect(readExport(published, "json").manifest.post_count).toBe(40)
  }, 120_000)

  it("refuses a file that is not SQLite, leaving it as it was", async () => {
    const db = path.join(dir, "random.db")
    const bytes = randomBytes(4096)
    writeFileSync(db, bytes)
    const r = await seed(["--db", db, "--posts", "5"])
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toBe(
      `skyporter seed: ${db} is not a SQLite database (file is not a database (SQLITE_NOTADB))\n` +
        "Run 'skyporter seed --help' for usage.\n"
    )
    expect(readFileSync(db).equals(bytes)).toBe(true)
  }, 60_000)
})
