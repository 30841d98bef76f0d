/** Hostile count and flag columns: integers from -2^63 to 2^63-1 spelled in every way SQLite can hand them. */
import * as fc from "fast-check"
import { type Generated, generated } from "./HostileExpected.js"

const MAX_INT64 = 2n ** 63n - 1n
const MIN_INT64 = -(2n ** 63n)

export const count: fc.Arbitrary<Generated<string>> = fc.oneof(
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => generated(n, String(n))),
  // Past 2^53 SQLite integers arrive as decimal text (see Post.selectColumns).
  fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map((n) => generated(n.toString(), n.toString())),
  fc.constantFrom(MIN_INT64, MAX_INT64, 0n, -1n).map((n) => generated(n, n.toString())),
  fc.constantFrom("007", "-0", "000", "9223372036854775807").map((s) => generated(s, BigInt(s).toString())),
  // Reals are truncated; NULL and text that is no integer are 0.
  fc.double({ min: -1e15, max: 1e15, noNaN: true }).map((d) => generated(d, String(Math.trunc(d) + 0))),
  fc.constantFrom(1e300, -1e20, 2 ** 64).map((d) => generated(d, BigInt(d).toString())),
  fc
    .constantFrom(null, "many", "", "1.5", " 1", "0x10", Number.NaN, Number.POSITIVE_INFINITY)
    .map((v) => generated(v, "0"))
)

export const flag: fc.Arbitrary<Generated<boolean>> = fc.oneof(
  fc.constantFrom(0, 1, 2, -1).map((n) => generated(n, n !== 0)),
  fc.constantFrom(0n, 3n).map((n) => generated(n, n !== 0n)),
  fc
    .constantFrom("", "0", "1", "true", "false", "FALSE", "yes")
    .map((s) => generated(s, s !== "" && s !== "0" && s.toLowerCase() !== "false")),
  fc.constant(generated(null, false))
)
