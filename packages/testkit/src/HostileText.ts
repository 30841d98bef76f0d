/** Hostile text: arbitrary UTF-16 mixed with pieces that mean something to CSV, JSON, spreadsheets or terminals. */
import * as fc from "fast-check"
import { generated } from "./HostileExpected.js"

/** Whether a string has no lone surrogate (so UTF-8 round-trips it). */
export const isWellFormed = (s: string): boolean => !/\p{Cs}/u.test(s)

/** A string as it reads back from UTF-8: each lone surrogate became U+FFFD. */
export const viaUtf8 = (s: string): string => Buffer.from(s, "utf8").toString("utf8")

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))

/** Pieces that mean something to CSV, JSON, spreadsheets or terminals. */
const SYNTAX = [
  ",",
  '"',
  '""',
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\\",
  "\\.",
  "=",
  "+",
  "-",
  "@",
  "'",
  "{",
  "}",
  "[",
  "]",
  ":",
  "\u0000",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\uff1d",
  "\ud800",
  "\udc00",
  "🦋",
  "👩‍👩‍👧",
  "🇯🇵",
  "日本語",
  "\u202e"
]

const syntax = fc.constantFrom(...SYNTAX)

/** Arbitrary text: any code units mixed with syntax pieces and plain words. */
export const text: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: codeUnit },
    { weight: 2, arbitrary: syntax },
    { weight: 2, arbitrary: fc.constantFrom("a", "post", " ", "0", "1.5e3", "null", "true") }
  ),
  maxLength: 40
})

/** A text column: NULL and BLOB read as text ("" for NULL). */
export const textColumn = fc.oneof(
  { weight: 8, arbitrary: text.map((s) => generated(s, s)) },
  { weight: 1, arbitrary: fc.constant(generated(null, "")) },
  {
    weight: 1,
    arbitrary: text.filter(isWellFormed).map((s) => generated(Buffer.from(s, "utf8"), s))
  }
)
