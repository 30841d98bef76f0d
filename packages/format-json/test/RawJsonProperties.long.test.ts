/**
 * The stored-JSON writers' fuzz properties (raw-json-properties.ts), each
 * run ten times as often as the development loop runs it.
 */
import { describe, it } from "vitest"
import { fuzzProperties } from "./raw-json-properties.js"

for (const writer of ["writeIndentedBytes", "writeIndented"] as const) {
  describe(writer, () => {
    for (const { name, assertRuns, runs } of fuzzProperties.filter((f) => f.writer === writer)) {
      it(`${name} (${runs * 10} runs)`, () => assertRuns(runs * 10), 300_000)
    }
  })
}
