/**
 * The whole table of invalid usage and input (invalid-usage.ts), a CLI run
 * each: every case exits 2 with its message, writing and changing nothing.
 * errors.test.ts runs one case of each kind in the loop. And a usage error
 * points to --help.
 */
import { describe, expect, it } from "vitest"
import { CASES, expectInvalid, inputs } from "./invalid-usage.js"
import { run } from "./support.js"

const fixture = inputs()

describe("invalid usage and input exit 2", () => {
  expectInvalid(
    fixture,
    CASES.filter((c) => c.loop !== true)
  )

  it("usage errors point to --help", async () => {
    const r = await run(["export", "--nope"], { cwd: fixture.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/skyporter export --help/)
  }, 60_000)
})
