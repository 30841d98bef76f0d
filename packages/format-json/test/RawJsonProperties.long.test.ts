/**
 * The stored-JSON writers' fuzz properties (raw-json-properties.ts), each
 * run ten times as often as the development loop runs it.
 */
import * as fc from "fast-check"
import { describe, it } from "vitest"
import { fuzzProperties } from "./raw-json-properties.js"

for (const writer of ["writeIndentedBytes", "writeIndented"] as const) {
  describe(writer, () => {
    for (const { name, property, runs } of fuzzProperties.filter((f) => f.writer === writer)) {
      it(`${name} (${runs * 10} runs)`, () => fc.assert(property, { numRuns: runs * 10 }), 300_000)
    }
  })
}
