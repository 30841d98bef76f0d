/**
 * Plugin folders copied out of the repository, loaded by path through the
 * real CLI: examples/format-plain with no node_modules at all (its
 * `concurrent: true` has threads load the module the loader loaded: on one
 * thread here, a reader thread encodes while the main thread writes; the same
 * bytes on several threads: outside.long.test.ts).
 * examples/format-markdown, installed from tarballs, is outside-install.long.test.ts.
 */
import { existsSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportPlain, plainOutside, POSTS } from "./outside-plain.js"

const fx = plainOutside()

describe("examples/format-plain copied out, with no node_modules", () => {
  it("exports through --plugin <folder>, encoded on a reader thread", async () => {
    expect(existsSync(path.join(fx.folder, "node_modules"))).toBe(false)
    const one = await exportPlain(fx, "1")
    const text = one.data.toString("utf8")
    expect(text.split("\n* * *\n").length - 1).toBe(POSTS)
    expect(text.endsWith("* * *\n")).toBe(true)
  }, 120_000)

  // Its invalid options, every one explained: outside.long.test.ts (in the loop: an invalid
  // --option of the built-in html format, plugins.test.ts).
})
