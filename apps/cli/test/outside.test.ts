/**
 * Plugin folders copied out of the repository, loaded by path through the
 * real CLI: examples/format-plain with no node_modules at all (its
 * `concurrent: true` has threads load the module the loader loaded), and —
 * with SKYPORTER_OUTSIDE_INSTALL=1, as it needs the npm registry and compiles
 * better-sqlite3 — examples/format-markdown installed from packed tarballs
 * the way docs/plugins.md says, built, tested and exported with.
 */
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, generatePosts, readExport, removeDir, run, show, tempDir, writeArchive } from "./support.js"

const DID = "did:plc:outsideoutsideoutside22"
const POSTS = 2_500
const PLAIN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-plain", import.meta.url))
const REPO = fileURLToPath(new URL("../../../", import.meta.url))

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
          "separator=\"* * *\"",
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
      "unknown option date for format \"plain\" (allowed: separator, dates): did you mean dates for date?"
    )
    expect(r.stderr).toContain(
      "option \"separator\": expected one line of text (at most 80 characters), got the number 3"
    )
  }, 60_000)
})

describe.runIf(process.env.SKYPORTER_OUTSIDE_INSTALL === "1")(
  "examples/format-markdown copied out and installed from tarballs",
  () => {
    it("installs, builds, tests and exports through --plugin <folder>", async () => {
      const sh = (cmd: string, args: ReadonlyArray<string>, cwd: string) =>
        execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      const packs = path.join(dir, "packs")
      mkdirSync(packs)
      for (const p of ["plugin", "zip", "core", "testkit"]) {
        sh("npm", ["pack", "--pack-destination", packs], path.join(REPO, "packages", p))
      }
      const md = path.join(dir, "elsewhere", "format-markdown")
      cpSync(path.join(REPO, "examples", "format-markdown"), md, {
        recursive: true,
        filter: (src) => !/[\\/](node_modules|dist|test-results)$/.test(src)
      })
      const tarballs = readdirSync(packs).map((f) => path.join(packs, f))
      sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", ...tarballs], md)
      sh("npm", ["run", "build"], md)
      sh("npm", ["test"], md)
      // Its own copy of effect, not the CLI's.
      expect(existsSync(path.join(md, "node_modules", "effect", "package.json"))).toBe(true)
      const published = await exportOk(
        [
          "--db",
          db,
          "--did",
          DID,
          "--out",
          path.join(dir, "out-md"),
          "--quiet",
          "--plugin",
          md,
          "--format",
          "markdown",
          "--option",
          "title=Outside"
        ],
        { cwd: dir }
      )
      const { data } = readExport(published, "md")
      expect(data.toString("utf8").startsWith("# Outside\n")).toBe(true)
      const bad = await run(
        [
          "export",
          "--db",
          db,
          "--did",
          DID,
          "--out",
          path.join(dir, "bad-md"),
          "--plugin",
          md,
          "--format",
          "markdown",
          "--option",
          "title= padded",
          "--option",
          "links=1"
        ],
        { cwd: dir }
      )
      expect(bad.code, show(bad)).toBe(2)
      expect(bad.stderr).toMatch(/option "title": .*; option "links": expected boolean/)
      rmSync(md, { recursive: true, force: true })
    }, 900_000)
  }
)
