/**
 * An export that fails part-way (a plugin failing on batch 3 of 6, with
 * `--batch-size 10` on 60 posts): exit 1, stderr names batch 3, nothing is
 * published, no `.skyporter-tmp-*` is left, and an earlier export is
 * untouched. A plugin that throws on batch 3 instead: failure.long.test.ts.
 */
import { readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { DID, failingArchive, failingExport, POSTS } from "./failing-export.js"
import { exportDirs, listTree, readExport, show, tempEntries } from "./support.js"

const fx = failingArchive()

describe("a failure injected at batch 3", () => {
  // One run shows both: the error names batch 3 and the plugin, and --json and --quiet leave
  // stdout empty while the error still shows.
  it("FormatError on batch 3 → exit 1, nothing published, no temp dir; with --json and --quiet stdout stays empty, the error still shows", async () => {
    const { earlier, earlierTree, markers, out, r } = await failingExport(fx, { SKYPORTER_TEST_FAIL_BATCH: "3" }, [
      "--json",
      "--quiet"
    ])
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout, show(r)).toBe("")
    expect(r.stderr).toMatch(/batch 3/)
    expect(r.stderr).toMatch(/testjson/)
    expect(r.stderr).toMatch(/injected failure on batch 3/)
    expect(r.stderr).not.toMatch(/unexpected error/)
    // Batches 1 and 2 were written before the failure.
    expect(readdirSync(markers).sort()).toEqual(["batch-1", "batch-2"])
    expect(tempEntries(out), show(r)).toEqual([])
    expect(listTree(out)).toEqual(earlierTree)
    expect(exportDirs(out, DID)).toEqual([path.basename(earlier)])
    expect(readExport(earlier, "json").manifest.post_count).toBe(POSTS)
  }, 120_000)
  // A plugin that throws on batch 3 the same way: failure.long.test.ts.
})
