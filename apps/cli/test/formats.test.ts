/**
 * `skyporter formats` and `--version` (`--help`: conventions.test.ts).
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { removeDir, run, show, tempDir } from "./support.js"

const versionOf = (relative: string): string =>
  (JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as { version: string }).version

const CLI_VERSION = versionOf("../package.json")
const JSON_VERSION = versionOf("../../../packages/format-json/package.json")
const CSV_VERSION = versionOf("../../../packages/format-csv/package.json")
const NDJSON_VERSION = versionOf("../../../packages/format-ndjson/package.json")
const HTML_VERSION = versionOf("../../../packages/format-html/package.json")

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

describe("skyporter formats", () => {
  it("lists json, csv, ndjson and html with their versions", async () => {
    const r = await run(["formats"], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toBe("")
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(
      new RegExp(`^json\\s+v${JSON_VERSION.replaceAll(".", "\\.")}\\s+\\.json\\s+built-in\\s+\\S`)
    )
    expect(lines[1]).toMatch(new RegExp(`^csv\\s+v${CSV_VERSION.replaceAll(".", "\\.")}\\s+\\.csv\\s+built-in\\s+\\S`))
    expect(lines[2]).toMatch(
      new RegExp(`^ndjson\\s+v${NDJSON_VERSION.replaceAll(".", "\\.")}\\s+\\.ndjson\\s+built-in\\s+\\S`)
    )
    expect(lines[3]).toMatch(
      new RegExp(`^html\\s+v${HTML_VERSION.replaceAll(".", "\\.")}\\s+\\.html\\s+built-in\\s+\\S`)
    )
  }, 60_000)

  it("--json gives the same list as data", async () => {
    const r = await run(["formats", "--json"], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<Record<string, string>>
    expect(rows.map((f) => [f.name, f.version, f.extension, f.origin])).toEqual([
      ["json", JSON_VERSION, "json", "built-in"],
      ["csv", CSV_VERSION, "csv", "built-in"],
      ["ndjson", NDJSON_VERSION, "ndjson", "built-in"],
      ["html", HTML_VERSION, "html", "built-in"]
    ])
    expect(rows[0]!.media_type).toBe("application/json")
    expect(rows[1]!.media_type).toMatch(/^text\/csv/)
    expect(rows[2]!.media_type).toBe("application/x-ndjson")
  }, 60_000)
  // With a plugin loaded by --plugin: formats.long.test.ts (in the loop: plugins.test.ts).
})

describe("version and help", () => {
  it.each(["--version", "-v"])(
    "%s prints the version",
    async (flag) => {
      const r = await run([flag], { cwd: dir })
      expect(r.code, show(r)).toBe(0)
      expect(r.stdout.trim()).toBe(`skyporter v${CLI_VERSION}`)
    },
    60_000
  )
  // Every command's --help: conventions.test.ts, one start each.
})
