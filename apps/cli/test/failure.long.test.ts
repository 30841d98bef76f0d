/**
 * A plugin that throws on batch 3 of 6 (failure.test.ts: one that fails with a FormatError):
 * exit 1, stderr names batch 3, nothing is published, no `.skyporter-tmp-*` is left, and the
 * same plugin's earlier export, without a failure, is untouched.
 */
import { readdirSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { failingArchive, failingExport, PLUGIN, POSTS } from "./failing-export.js"
import { listTree, readExport, show, tempEntries } from "./support.js"

const fx = failingArchive()

describe("a failure injected at batch 3", () => {
  it("a plugin that throws on batch 3 → exit 1, nothing published, no temp dir; the same plugin without a failure exports all posts", async () => {
    // The export already there is the same plugin's, without a failure.
    const { earlier, earlierTree, markers, out, r } = await failingExport(
      fx,
      { SKYPORTER_TEST_THROW_BATCH: "3" },
      [],
      PLUGIN
    )
    const { manifest } = readExport(earlier, "json")
    expect(manifest.post_count).toBe(POSTS)
    expect(manifest.plugin).toEqual({ name: "testjson", version: "0.0.0-test" })
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/batch 3/)
    expect(r.stderr).toMatch(/injected crash on batch 3/)
    expect(readdirSync(markers).sort()).toEqual(["batch-1", "batch-2"])
    expect(tempEntries(out)).toEqual([])
    expect(listTree(out)).toEqual(earlierTree)
  }, 120_000)
})
