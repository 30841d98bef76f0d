import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { CsvOptions, defaults } from "../src/CsvOptions.js"

// The core decodes plugin options with excess properties rejected.
const decode = (input: unknown) => Schema.decodeUnknownSync(CsvOptions)(input, { onExcessProperty: "error" })

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

  it("rejects unknown keys and values that are not booleans", () => {
    expect(() => decode({ delimiter: ";" })).toThrow()
    expect(() => decode({ bom: "false" })).toThrow()
    expect(() => decode({ escapeFormulas: 1 })).toThrow()
    expect(() => decode({ bom: null })).toThrow()
    expect(() => decode(null)).toThrow()
    expect(() => decode([])).toThrow()
  })
})
