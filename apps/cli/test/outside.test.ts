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
import { DID, exportPlain, plainOutside, POSTS } from "./outside-plain.js"
import { run, show } from "./support.js"

const fx = plainOutside()

describe("examples/format-plain copied out, with no node_modules", () => {
  it("exports through --plugin <folder>, encoded on a reader thread", async () => {
    expect(existsSync(path.join(fx.folder, "node_modules"))).toBe(false)
    const one = await exportPlain(fx, "1")
    const text = one.data.toString("utf8")
    expect(text.split("\n* * *\n").length - 1).toBe(POSTS)
    expect(text.endsWith("* * *\n")).toBe(true)
  }, 120_000)

  it("explains invalid options, every one of them", async () => {
    const r = await run(
      [
        "export",
        "--db",
        fx.db,
        "--did",
        DID,
        "--out",
        path.join(fx.dir, "bad"),
        "--plugin",
        fx.folder,
        "--format",
        "plain",
        "--option",
        "separator=3",
        "--option",
        "date=false"
      ],
      { cwd: fx.dir }
    )
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain(
      'unknown option date for format "plain" (allowed: separator, dates): did you mean dates for date?'
    )
    expect(r.stderr).toContain(
      'option "separator": expected one line of text (at most 80 characters), got the number 3'
    )
  }, 60_000)
})
