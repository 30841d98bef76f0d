/**
 * examples/format-markdown copied out of the repository and installed the way
 * docs/plugins.md says — the packages it needs packed into tarballs, the rest
 * (its own copy of effect, vitest, typescript) from the npm registry, and
 * better-sqlite3 compiled for the test kit — then built, tested and exported
 * with through the real CLI. In the long suite: the install takes minutes.
 */
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, generatePosts, readExport, removeDir, run, show, tempDir, writeArchive } from "./support.js"

const DID = "did:plc:outsideoutsideoutside22"
const POSTS = 2_500
const REPO = fileURLToPath(new URL("../../../", import.meta.url))

let dir: string
let db: string

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  writeArchive(db, generatePosts(DID, POSTS))
})

afterAll(() => removeDir(dir))

describe("examples/format-markdown copied out and installed from tarballs", () => {
  it("installs, builds, tests and exports through --plugin <folder>", async () => {
    const sh = (cmd: string, args: ReadonlyArray<string>, cwd: string) =>
      execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    const packs = path.join(dir, "packs")
    mkdirSync(packs)
    for (const p of ["plugin", "zip", "core", "synthetic", "testkit"]) {
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
})
