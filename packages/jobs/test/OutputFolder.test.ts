/**
 * The output folder check: missing folders are created, and a folder that
 * cannot be used fails at once with its name and the reason.
 */
import { Effect } from "effect"
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { OutputFolder } from "../src/index.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-outfolder-test-")

const failure = (folder: string) => Effect.runPromise(Effect.flip(OutputFolder.ensure(folder)))

describe("OutputFolder.ensure", () => {
  it("creates a missing folder and its parents, and leaves no probe behind", async () => {
    const target = path.join(dir, "a", "b", "c")
    expect(await Effect.runPromise(OutputFolder.ensure(target))).toBe(target)
    expect(statSync(target).isDirectory()).toBe(true)
    expect(readdirSync(target)).toEqual([])
  })

  it("refuses a file, a folder under a file, and a folder the kernel will not make", async () => {
    const file = path.join(dir, "file")
    writeFileSync(file, "x")
    for (const folder of [file, path.join(file, "below")]) {
      const e = await failure(folder)
      expect(e.folder).toBe(folder)
      expect(e.message).toContain(folder)
      expect(e.reason).toMatch(/file/)
    }
    if (existsSync("/proc/self")) {
      const e = await failure("/proc/nope")
      expect(e.reason).toBe("it cannot be created there")
    }
  })
})
