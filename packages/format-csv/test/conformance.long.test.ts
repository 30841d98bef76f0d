/**
 * The csv plugin against the format-plugin conformance suite of @skyporter/testkit with other
 * options than its defaults (those: conformance.test.ts, in the loop; the options themselves:
 * CsvOptions.test.ts and Encoder.test.ts).
 */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import { Encoder, plugin } from "../src/index.js"

formatConformance(plugin, {
  options: { bom: false, escapeFormulas: true },
  check: (bytes) => expect(bytes.toString("utf8").startsWith(Encoder.HEADER_LINE)).toBe(true)
})
