/**
 * Plugin folders copied out of the repository, loaded by path through the
 * real CLI: examples/format-plain with no node_modules at all (its
 * `concurrent: true` has threads load the module the loader loaded).
 * examples/format-markdown, installed from tarballs, is outside-install.long.test.ts.
 */
import { cpSync, existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, generatePosts, readExport, removeDir, run, show, tempDir, writeArchive } from "./support.js"

const DID = "did:plc:outsideoutsideoutside22"
const POSTS = 2_500
const PLAIN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-plain", import.meta.url))

let dir: string
let db: string
let folder: string

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  writeArchive(db, generatePosts(DID, POSTS))
  folder = path.join(dir, "elsewhere", "format-plain")
  cpSync(PLAIN_EXAMPLE, folder, { recursive: true })
})

afterAll(() => removeDir(dir))

describe("examples/format-plain copied out, with no node_modules", () => {
  it("exports through --plugin <folder>, the same bytes on one thread and on several", async () => {
    expect(existsSync(path.join(folder, "node_modules"))).toBe(false)
    const exportWith = async (threads: string) => {
      const out = path.join(dir, `out-${threads}`)
      const published = await exportOk(
        [
          "--db",
          db,
          "--did",
          DID,
          "--out",
          out,
          "--quiet",
          "--plugin",
          folder,
          "--format",
          "plain",
          "--threads",
          threads,
          "--option",
          'separator="* * *"',
          "--option",
          "dates=false"
        ],
        { cwd: dir }
      )
      return readExport(published, "txt")
    }
    const one = await exportWith("1")
    expect(one.manifest).toMatchObject({
      export_format: "plain",
      plugin: { name: "plain", version: "1.0.0" },
      post_count: POSTS
    })
    const text = one.data.toString("utf8")
    expect(text.split("\n* * *\n").length - 1).toBe(POSTS)
    expect(text.endsWith("* * *\n")).toBe(true)
    const two = await exportWith("2")
    expect(two.data.equals(one.data)).toBe(true)
  }, 120_000)

  it("explains invalid options, every one of them", async () => {
    const r = await run(
      [
        "export",
        "--db",
        db,
        "--did",
        DID,
        "--out",
        path.join(dir, "bad"),
        "--plugin",
        folder,
        "--format",
        "plain",
        "--option",
        "separator=3",
        "--option",
        "date=false"
      ],
      { cwd: dir }
    )
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain(
      'unknown option date for format "plain" (allowed: separator, dates): did you mean dates for date?'
    )
    expect(r.stderr).toContain(
      'option "separator": expected one line of text (at most 80 characters), got the number 3'
    )
  }, 60_000)
})
