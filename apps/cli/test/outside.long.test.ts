/**
 * examples/format-plain copied out with no node_modules, loaded by path: the same bytes on one
 * thread and on several (outside.test.ts exports on one thread, where a reader thread encodes),
 * and every invalid option of it explained.
 */
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { DID, exportPlain, plainOutside } from "./outside-plain.js"
import { run, show } from "./support.js"

const fx = plainOutside()

describe("examples/format-plain copied out, with no node_modules", () => {
  it("exports through --plugin <folder> the same bytes on one thread and on several", async () => {
    const one = await exportPlain(fx, "1")
    const two = await exportPlain(fx, "2")
    expect(two.data.equals(one.data)).toBe(true)
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
