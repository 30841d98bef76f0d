/**
 * examples/format-plain copied out with no node_modules, loaded by path: the same bytes on one
 * thread and on several (outside.test.ts exports on one thread, where a reader thread encodes).
 */
import { describe, expect, it } from "vitest"
import { exportPlain, plainOutside } from "./outside-plain.js"

const fx = plainOutside()

describe("examples/format-plain copied out, with no node_modules", () => {
  it("exports through --plugin <folder> the same bytes on one thread and on several", async () => {
    const one = await exportPlain(fx, "1")
    const two = await exportPlain(fx, "2")
    expect(two.data.equals(one.data)).toBe(true)
  }, 120_000)
})
