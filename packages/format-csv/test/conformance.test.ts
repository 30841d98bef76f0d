/**
 * The csv plugin against the format-plugin conformance suite of @skyporter/testkit, with its
 * default options (with other options: conformance.long.test.ts).
 */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import { Encoder, plugin } from "../src/index.js"

formatConformance(plugin, {
  check: (bytes) => expect(bytes.toString("utf8").startsWith(Encoder.BOM + Encoder.HEADER_LINE)).toBe(true)
})
