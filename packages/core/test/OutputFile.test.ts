import { openSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { writeReason } from "../dist/internal/OutputFile.js"
import { tempDir } from "./helpers.js"

/** The error a real system call throws. */
const thrownBy = (call: () => unknown): unknown => {
  try {
    call()
  } catch (e) {
    return e
  }
  throw new Error("the call did not fail")
}

describe("OutputFile.writeReason", () => {
  it("gives any other system error without the paths Node quotes (the export's temporary folder)", () => {
    const dir = tempDir()
    const file = path.join(dir, "file.txt")
    writeFileSync(file, "x")
    const e = thrownBy(() => openSync(path.join(file, "posts.json"), "wx"))
    expect((e as Error).message).toContain(dir)
    expect(writeReason(e)).toBe("ENOTDIR: not a directory, open")
  })
})
