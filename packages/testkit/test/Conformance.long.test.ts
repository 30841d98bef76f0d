/**
 * The conformance suite catches what it claims to: run in a child vitest on
 * deliberately broken plugins (test/fixtures/conformance), exactly the
 * promises each one breaks go red. (The built-in plugins' own test suites
 * show it green for correct plugins, in the loop.) A child vitest of three
 * suites: in the long suite, and in the compatibility suite.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const fixtures = fileURLToPath(new URL("./fixtures/conformance/", import.meta.url))
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs")

interface Report {
  readonly testResults: ReadonlyArray<{
    readonly name: string
    readonly assertionResults: ReadonlyArray<{ readonly title: string; readonly status: string }>
  }>
}

let dir: string
/** Test title → status, by fixture file (without ".conformance.ts"). */
const results = new Map<string, Map<string, string>>()

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "skyporter-conformance-proof-"))
  const output = path.join(dir, "report.json")
  const r = spawnSync(
    process.execPath,
    [vitest, "run", "--config", path.join(fixtures, "vitest.config.ts"), "--reporter=json", `--outputFile=${output}`],
    { cwd: fixtures, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } }
  )
  // vitest exits 1 because suites fail; that is the point. The report must exist.
  const report = JSON.parse(readFileSync(output, "utf8")) as Report
  expect(r.status, r.stderr).toBe(1)
  for (const file of report.testResults) {
    const name = path.basename(file.name).replace(".conformance.ts", "")
    results.set(name, new Map(file.assertionResults.map((a) => [a.title, a.status])))
  }
}, 300_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const failed = (fixture: string): Array<string> =>
  [...(results.get(fixture) ?? new Map<string, string>()).entries()].filter(([, s]) => s === "failed").map(([t]) => t)

const ALWAYS_GREEN = [
  "fits the plugin contract and accepts the options",
  "exports no posts: start and end only, the same as a fresh sink writes",
  "exports one post",
  "exports 2,001 posts in batches of 1000, 1000 and 1"
]

describe("formatConformance goes red for a broken plugin", () => {
  it("runs all 13 checks for each broken plugin", () => {
    expect([...results.keys()].sort()).toEqual(["batchMarks", "emptyByte", "leakyCounter"])
    // Checks that do not apply to a plugin (threads, for one that is not concurrent) are reported as skipped.
    for (const tests of results.values()) expect([...tests.values()].filter((s) => s !== "skipped").length).toBe(13)
  })

  it("output that depends on the batch size: every comparison across batch boundaries fails", () => {
    expect(failed("batchMarks").sort()).toEqual([
      "adds nothing for a batch without posts",
      "encodes every awkward value (NULLs, control characters, huge text, odd and invalid JSON)",
      "writes the same bytes in batches of 1",
      "writes the same bytes in batches of 1001",
      "writes the same bytes in batches of 7",
      "writes the same bytes on a second run"
    ])
  })

  it("an extra byte for an empty batch: the empty-batch check fails, and only it", () => {
    expect(failed("emptyByte")).toEqual(["adds nothing for a batch without posts"])
  })

  it("state that outlives an export: the second run differs", () => {
    const red = failed("leakyCounter")
    expect(red).toContain("writes the same bytes on a second run")
    for (const title of ALWAYS_GREEN) expect(red).not.toContain(title)
  })
})
