/**
 * The whole table of invalid usage and input (invalid-usage.ts), a CLI run
 * each: every case exits 2 with its message, writing and changing nothing.
 * errors.test.ts runs one case of each kind in the loop.
 */
import { describe } from "vitest"
import { CASES, expectInvalid, inputs } from "./invalid-usage.js"

const fixture = inputs()

describe("invalid usage and input exit 2", () => {
  expectInvalid(
    fixture,
    CASES.filter((c) => c.loop !== true)
  )
})
