import { mkdirSync, writeFileSync } from "node:fs"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as ExportDirectory from "../dist/ExportDirectory.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-exportdir-")

describe("ExportDirectory.makeDirectory", () => {
  it("makes the missing folders and returns those it made, outermost first", async () => {
    const target = path.join(dir, "a", "b", "c")
    expect(await ExportDirectory.makeDirectory(target)).toEqual([path.join(dir, "a"), path.join(dir, "a", "b"), target])
    expect(await ExportDirectory.makeDirectory(target)).toEqual([])
  })

  it("fails at once where a parent refuses new folders (/proc), naming the folder and the reason", async () => {
    // Node's fs.mkdir(…, { recursive: true }) never returns here.
    await expect(ExportDirectory.makeDirectory("/proc/nope/did:plc:x")).rejects.toThrow(
      "cannot create the folder /proc/nope: the folder it would go in does not accept new folders (ENOENT)"
    )
  })

  it("fails when a file is in the way, or a name is too long", async () => {
    const file = path.join(dir, "file.txt")
    writeFileSync(file, "x")
    await expect(ExportDirectory.makeDirectory(path.join(file, "sub", "did:plc:x"))).rejects.toThrow(
      `cannot create the folder ${file}: a file is in the way (it is not a folder)`
    )
    await expect(ExportDirectory.makeDirectory(path.join(dir, "n".repeat(300), "x"))).rejects.toThrow(
      `cannot create the folder ${path.join(dir, "n".repeat(300))}: a name in the path is too long (ENAMETOOLONG)`
    )
    expect(existsSync(path.join(dir, "n".repeat(300)))).toBe(false)
  })

  it("removeEmpty removes only the folders given that are still empty, innermost first", async () => {
    const created = await ExportDirectory.makeDirectory(path.join(dir, "x", "y", "z"))
    mkdirSync(path.join(dir, "x", "kept"))
    await ExportDirectory.removeEmpty(created)
    expect(existsSync(path.join(dir, "x", "y"))).toBe(false)
    expect(existsSync(path.join(dir, "x", "kept"))).toBe(true)
  })
})
