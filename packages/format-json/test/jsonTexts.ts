/** JSON texts for property tests of the stored-JSON writers: well-formed ones, and ones damaged a little. */
import * as fc from "fast-check"

/** JSON text of any value, spaced as JSON.stringify spaces it or with whitespace wherever JSON allows it. */
export const wellFormed = fc.oneof(
  fc
    .tuple(fc.jsonValue(), fc.constantFrom(undefined, 1, 2, "\t", " \r\n "))
    .map(([v, space]) => JSON.stringify(v, null, space)),
  fc
    .tuple(fc.jsonValue(), fc.array(fc.constantFrom(" ", "\t", "\n", "\r", "  \r\n"), { minLength: 1 }))
    .map(([v, spaces]) => {
      let k = 0
      // Whitespace after every structural character (outside strings, as JSON.stringify escapes none of these in keys or values it writes raw).
      return JSON.stringify(v).replace(/("(?:[^"\\]|\\.)*")|([{}[\],:])/g, (m, str) =>
        str !== undefined ? m : m + spaces[k++ % spaces.length]!
      )
    })
)

/** Characters that matter to JSON's grammar, and some that are never allowed. */
const damage = fc.constantFrom(
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  "/",
  "u",
  "0",
  "1",
  "-",
  "+",
  ".",
  "e",
  "E",
  "t",
  "n",
  "f",
  " ",
  "\n",
  "\u0000",
  "\u001f",
  "\u007f",
  "é",
  "\u2028",
  "\ud800",
  "\udc00",
  "🚀",
  "\ufeff",
  "x"
)

/** A well-formed text with a few characters inserted, removed or replaced. */
export const damaged = fc
  .tuple(
    wellFormed,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("insert", "remove", "replace"), damage), { minLength: 1, maxLength: 3 })
  )
  .map(([text, edits]) => {
    let s = text
    for (const [at, op, c] of edits) {
      const i = at % (s.length + 1)
      s =
        op === "insert" ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + (op === "replace" ? c : "") + s.slice(i + 1)
    }
    return s
  })
