/**
 * The fuzz properties of the stored-JSON writers, each with the number of
 * runs the development loop gives it: `RawJsonBytes.test.ts` and
 * `RawJsonWriter.test.ts` run them so, and `RawJsonProperties.long.test.ts`
 * ten times as often.
 */
import { ByteWriter } from "@skyporter/core/ByteWriter"
import * as fc from "fast-check"
import { expect } from "vitest"
import { indentRawJson } from "../src/RawJson.js"
import { writeIndentedBytes } from "../src/RawJsonBytes.js"
import { writeIndented } from "../src/RawJsonWriter.js"
import { damaged, wellFormed } from "./jsonTexts.js"

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const decoded = (bytes: Uint8Array): string | undefined => {
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

/** Bytes around the value in one buffer: a reader that strays past the value's end sees them. */
const BEFORE = Buffer.from('"[1,')
const AFTER = ']}" 2'

/** Checks one value: laid out from within a larger buffer, then compared with the string writer. */
export const expectBytesAgree = (bytes: Uint8Array, level: number, after = AFTER): boolean => {
  const buffer = Buffer.concat([BEFORE, bytes, Buffer.from(after)])
  const out = new ByteWriter()
  out.utf8("before")
  const ok = writeIndentedBytes(out, buffer, BEFORE.length, BEFORE.length + bytes.length, level)
  const text = decoded(bytes)
  const expected = new ByteWriter()
  expected.utf8("before")
  const expectedOk = text !== undefined && writeIndented(expected, text, level)
  expect(ok).toBe(expectedOk)
  expect(Buffer.from(out.view()).toString("utf8")).toBe(Buffer.from(expected.view()).toString("utf8"))
  expect(Buffer.from(out.view()).equals(Buffer.from(expected.view()))).toBe(true)
  return ok
}

/** Bytes that end or break UTF-8 sequences. */
const badByte = fc.constantFrom(
  0x80,
  0x9f,
  0xa0,
  0xa8,
  0xbf,
  0xc0,
  0xc1,
  0xc2,
  0xdf,
  0xe0,
  0xe2,
  0xed,
  0xef,
  0xf0,
  0xf4,
  0xf5,
  0xff
)

/** A text's UTF-8 with a few bytes inserted or replaced. */
const brokenBytes = fc
  .tuple(wellFormed, fc.array(fc.tuple(fc.nat(), fc.boolean(), badByte), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => {
    const bytes = [...Buffer.from(text, "utf8")]
    for (const [at, insert, byte] of edits) bytes.splice(at % (bytes.length + 1), insert ? 0 : 1, byte)
    return Uint8Array.from(bytes)
  })

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Checks one text: the answer of JSON.parse, indentRawJson's bytes when well-formed, nothing written otherwise. */
export const expectTextAgrees = (text: string, level: number): void => {
  const out = new ByteWriter()
  out.utf8("before")
  const ok = writeIndented(out, text, level)
  expect(ok).toBe(parses(text))
  const expected = "before" + (ok ? indentRawJson(text, level) : "")
  expect(Buffer.from(out.view()).equals(Buffer.from(expected, "utf8"))).toBe(true)
}

export interface FuzzProperty {
  /** The writer it checks, as its describe block names it. */
  readonly writer: "writeIndentedBytes" | "writeIndented"
  readonly name: string
  /** Asserts the property over `numRuns` generated cases. */
  readonly assertRuns: (numRuns: number) => void
  /** Runs in the development loop. */
  readonly runs: number
}

export const fuzzProperties: ReadonlyArray<FuzzProperty> = [
  {
    writer: "writeIndentedBytes",
    name: "writes writeIndented's bytes for every well-formed value",
    assertRuns: (numRuns) =>
      fc.assert(
        fc.property(wellFormed, fc.integer({ min: 0, max: 4 }), (text, level) => {
          expect(expectBytesAgree(Buffer.from(text, "utf8"), level)).toBe(true)
        }),
        { numRuns }
      ),
    runs: 300
  },
  {
    writer: "writeIndentedBytes",
    name: "refuses what writeIndented refuses",
    assertRuns: (numRuns) =>
      fc.assert(
        fc.property(damaged, fc.integer({ min: 0, max: 3 }), (text, level) => {
          expectBytesAgree(Buffer.from(text, "utf8"), level)
        }),
        { numRuns }
      ),
    runs: 600
  },
  {
    writer: "writeIndentedBytes",
    name: "refuses bytes that are not well-formed UTF-8, and takes those that are",
    assertRuns: (numRuns) =>
      fc.assert(
        fc.property(brokenBytes, (bytes) => {
          expectBytesAgree(bytes, 2)
        }),
        { numRuns }
      ),
    runs: 600
  },
  {
    writer: "writeIndented",
    name: "writes indentRawJson's bytes for every well-formed value",
    assertRuns: (numRuns) =>
      fc.assert(
        fc.property(wellFormed, fc.integer({ min: 0, max: 4 }), (text, level) => expectTextAgrees(text, level)),
        { numRuns }
      ),
    runs: 1000
  },
  {
    writer: "writeIndented",
    name: "accepts exactly what JSON.parse accepts, and writes nothing for the rest",
    assertRuns: (numRuns) =>
      fc.assert(
        fc.property(damaged, fc.integer({ min: 0, max: 3 }), (text, level) => expectTextAgrees(text, level)),
        { numRuns }
      ),
    runs: 600
  }
]
