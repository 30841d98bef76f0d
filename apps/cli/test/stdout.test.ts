/**
 * stdout carries only the result: one line with the absolute path of the
 * published directory, or with `--json` one JSON document: the manifest and
 * the directory's path as "path".
 * Progress goes to stderr; `--quiet` prints nothing on success. Two exports
 * in the same second land in distinct directories.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  exportDirs,
  exportOk,
  readExport,
  run,
  sharedArchive,
  show,
  start,
  tempEntries,
  type Manifest
} from "./support.js"

const DID = "did:plc:stdout"
const POSTS = 25

const fx = sharedArchive(DID, POSTS)

const STAMP = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(_\d+)?$/

const pad = (n: number) => String(n).padStart(2, "0")
const stampOf = (ms: number) => {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}_${pad(d.getUTCHours())}-${pad(
    d.getUTCMinutes()
  )}-${pad(d.getUTCSeconds())}`
}

describe("stdout discipline", () => {
  it("without --json: exactly one line, the absolute path of the export; progress on stderr", async () => {
    const out = path.join(fx.dir, "out-plain")
    const r = await run(["export", "--db", fx.db, "--did", DID, "--out", out], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout.endsWith("\n")).toBe(true)
    const lines = r.stdout.slice(0, -1).split("\n")
    expect(lines).toHaveLength(1)
    const published = lines[0]!
    expect(path.isAbsolute(published)).toBe(true)
    expect(path.dirname(published)).toBe(path.join(out, DID))
    expect(path.basename(published)).toMatch(STAMP)
    expect(readExport(published, "json").manifest.post_count).toBe(POSTS)
    // Progress (plain lines, not a TTY) is on stderr, never on stdout.
    expect(r.stderr).toMatch(/json: \d+\/25 posts/)
    expect(r.stderr).toMatch(/json: 25 posts in/)
    expect(r.stderr).not.toMatch(/\x1b\[/)
    expect(r.stdout).not.toMatch(/posts/)
  }, 60_000)

  it("a relative --out is resolved against the working directory", async () => {
    const cwd = path.join(fx.dir, "cwd-relative")
    mkdirSync(cwd)
    const published = await exportOk(["--db", fx.db, "--did", DID, "--out", "exports-here", "--quiet"], { cwd })
    expect(path.dirname(published)).toBe(path.join(cwd, "exports-here", DID))
    expect(existsSync(path.join(published, "posts.json"))).toBe(true)
  }, 60_000)

  it("without --out the export lands in ./exports", async () => {
    const cwd = path.join(fx.dir, "cwd-default")
    mkdirSync(cwd)
    const published = await exportOk(["--db", fx.db, "--did", DID, "--quiet"], { cwd })
    expect(path.dirname(published)).toBe(path.join(cwd, "exports", DID))
  }, 60_000)

  it('--json: one JSON document, manifest.json on disk plus the export\'s "path"', async () => {
    const out = path.join(fx.dir, "out-json")
    const r = await run(["export", "--db", fx.db, "--did", DID, "--format", "csv", "--out", out, "--json"], {
      cwd: fx.dir
    })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout.endsWith("\n")).toBe(true)
    expect(r.stdout.slice(0, -1)).not.toMatch(/\n/)
    const { path: printedPath, ...printed } = JSON.parse(r.stdout) as Manifest & { path: string }
    const dirs = exportDirs(out, DID)
    expect(dirs).toHaveLength(1)
    const published = path.join(out, DID, dirs[0]!)
    expect(printedPath).toBe(published)
    const { manifest } = readExport(published, "csv")
    expect(printed).toEqual(manifest)
    // manifest.json itself has no "path".
    expect(JSON.parse(readFileSync(path.join(published, "manifest.json"), "utf8"))).toEqual(printed)
    expect(printed.post_count).toBe(POSTS)
    expect(printed.did).toBe(DID)
    expect(printed.export_format).toBe("csv")
    // The directory is named after the export's start (UTC), as recorded in the manifest.
    expect(dirs[0]).toBe(stampOf(Date.parse(printed.export_timestamp)))
    expect(r.stderr).toMatch(/csv: 25 posts in/)
  }, 60_000)

  it("--quiet: nothing on stderr on success (with --json too: the taken <stamp> test)", async () => {
    const out = path.join(fx.dir, "out-quiet")
    const r = await run(["export", "--db", fx.db, "--did", DID, "--out", out, "--quiet"], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout.split("\n")).toHaveLength(2)
    // With --json as well: the taken <stamp> test below.
  }, 60_000)

  it("0 posts is a success: exit 0, one path, post_count 0", async () => {
    const out = path.join(fx.dir, "out-empty")
    const r = await run(["export", "--db", fx.db, "--did", "did:plc:nobodyhere", "--out", out, "--json"], {
      cwd: fx.dir
    })
    expect(r.code, show(r)).toBe(0)
    expect((JSON.parse(r.stdout) as Manifest).post_count).toBe(0)
    const dirs = exportDirs(out, "did:plc:nobodyhere")
    expect(dirs).toHaveLength(1)
    expect(readExport(path.join(out, "did:plc:nobodyhere", dirs[0]!), "json").data.toString()).toBe("[]\n")
  }, 60_000)
})

describe("two exports in the same second", () => {
  it("a taken <stamp> directory is never reused: the export lands in <stamp>_2", async () => {
    const out = path.join(fx.dir, "out-taken")
    // Occupy every stamp from a few seconds ago to five minutes ahead.
    const now = Date.now()
    for (let s = -5; s <= 300; s++) {
      const taken = path.join(out, DID, stampOf(now + s * 1_000))
      mkdirSync(taken, { recursive: true })
    }
    const r = await run(["export", "--db", fx.db, "--did", DID, "--out", out, "--json", "--quiet"], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(0)
    // --quiet with --json: nothing on stderr, the manifest and the path on stdout.
    expect(r.stderr).toBe("")
    const { path: printedPath, ...manifest } = JSON.parse(r.stdout) as Manifest & { path: string }
    expect(manifest.post_count).toBe(POSTS)
    const stamp = stampOf(Date.parse(manifest.export_timestamp))
    const published = path.join(out, DID, `${stamp}_2`)
    expect(printedPath).toBe(published)
    expect(readExport(published, "json").manifest).toEqual(manifest)
    // The occupied directory was left as it was (empty).
    expect(readdirSync(path.join(out, DID, stamp))).toEqual([])
  }, 60_000)

  it("concurrent exports publish to distinct directories", async () => {
    const out = path.join(fx.dir, "out-concurrent")
    const runs = [0, 1, 2].map(
      () => start(["export", "--db", fx.db, "--did", DID, "--out", out, "--quiet"], { cwd: fx.dir }).done
    )
    const results = await Promise.all(runs)
    for (const r of results) expect(r.code, show(r)).toBe(0)
    const paths = results.map((r) => r.stdout.trim())
    expect(new Set(paths).size).toBe(3)
    expect(
      exportDirs(out, DID)
        .map((d) => path.join(out, DID, d))
        .sort()
    ).toEqual([...paths].sort())
    for (const p of paths) expect(readExport(p, "json").manifest.post_count).toBe(POSTS)
    expect(tempEntries(out)).toEqual([])
  }, 120_000)
  // Two in a row: stdout.long.test.ts.
})
