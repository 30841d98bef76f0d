/** The csv plugin against the format-plugin conformance suite of @skyporter/testkit, with default and other options. */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import { Encoder, plugin } from "../src/index.js"

formatConformance(plugin, {
  check: (bytes) => expect(bytes.toString("utf8").startsWith(Encoder.BOM + Encoder.HEADER_LINE)).toBe(true)
})

formatConformance(plugin, {
  options: { bom: false, escapeFormulas: true },
  check: (bytes) => expect(bytes.toString("utf8").startsWith(Encoder.HEADER_LINE)).toBe(true)
})
