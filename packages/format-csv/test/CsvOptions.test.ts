import { describe, expect, it } from "vitest"
import { CsvOptions, defaults } from "../src/CsvOptions.js"

// The core validates plugin options through Standard Schema.
const decode = (input: unknown) => {
  const result = CsvOptions["~standard"].validate(input)
  if (result instanceof Promise) throw new Error("expected a synchronous check")
  if (result.issues) throw new Error(result.issues.map((i) => `${String(i.path?.[0])}: ${i.message}`).join("; "))
  return result.value
}

describe("CsvOptions", () => {
  it("fills in the defaults", () => {
    expect(decode({})).toEqual({ bom: true, escapeFormulas: false })
    expect(decode({})).toEqual(defaults)
    expect(decode({ bom: undefined, escapeFormulas: undefined })).toEqual(defaults)
  })

  it("keeps given values", () => {
    expect(decode({ bom: false })).toEqual({ bom: false, escapeFormulas: false })
    expect(decode({ escapeFormulas: true })).toEqual({ bom: true, escapeFormulas: true })
    expect(decode({ bom: false, escapeFormulas: true })).toEqual({ bom: false, escapeFormulas: true })
  })

  it("rejects unknown keys and values that are not booleans, naming each", () => {
    expect(() => decode({ delimiter: ";" })).toThrow("delimiter: unknown option (allowed: bom, escapeFormulas)")
    expect(() => decode({ bom: "false" })).toThrow('bom: expected true or false, got "false"')
    expect(() => decode({ escapeFormulas: 1 })).toThrow("escapeFormulas: expected true or false, got 1")
    expect(() => decode({ bom: null, x: 1 })).toThrow(
      "x: unknown option (allowed: bom, escapeFormulas); bom: expected true or false, got null"
    )
    expect(() => decode(null)).toThrow()
    expect(() => decode([])).toThrow()
  })
})
