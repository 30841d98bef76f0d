/**
 * Through the real CLI, the cases conventions.test.ts leaves out of the loop: the error style of
 * a missing required flag, a bad integer, an unknown subcommand, an unknown format and a missing
 * config file (it keeps an unknown flag, an invalid DID and a missing archive; plugins.test.ts a
 * config file that is not JSON, in the same style), --log-level refused, and format names in any
 * case (it keeps Csv and NDJSON; @skyporter/core's tests resolve names in-process).
 */
import { readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { CASES, DID, inErrorStyle, STYLE } from "./error-style.js"
import { exportOk, run, sharedArchive, show } from "./support.js"

const fx = sharedArchive(DID, 30)

describe("one error style", () => {
  inErrorStyle(
    CASES.filter(([, , , loop]) => !loop),
    fx
  )
})

describe("help", () => {
  it("--log-level is not a flag of skyporter (--wizard: conventions.test.ts)", async () => {
    const r = await run(["export", "--log-level=debug", "--db", fx.db, "--did", DID], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(STYLE)
  }, 60_000)
})

describe("format names in any case", () => {
  it.each([
    ["CSV", "posts.csv"],
    ["csv", "posts.csv"],
    ["JSON", "posts.json"]
  ])(
    "--format %s writes %s",
    async (format, file) => {
      const out = path.join(fx.dir, `out-${format}`)
      const dir = await exportOk(["--db", fx.db, "--did", DID, "--format", format, "--out", out, "--quiet"], {
        cwd: fx.dir
      })
      expect(readdirSync(dir).sort()).toEqual(["manifest.json", file])
    },
    60_000
  )
})
