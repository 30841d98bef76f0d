/**
 * A failed export into an <out> that was there: the <out> stays, the <did> folder the run made
 * goes (in the loop, output-folders.test.ts: an <out> the run made goes with its <did> folder).
 */
import { existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { listTree, run, sharedArchive, show, testPluginExport } from "./support.js"

const DID = "did:plc:outputfolders"
const fx = sharedArchive(DID, 50)

describe("a failed export", () => {
  it("keeps an <out> that was there, and leaves no empty <out>/<did>/ that it made", async () => {
    const out = path.join(fx.dir, "out-there")
    mkdirSync(out)
    const again = await run(testPluginExport(fx.db, DID, out), { cwd: fx.dir, env: { SKYPORTER_TEST_FAIL_BATCH: "2" } })
    expect(again.code, show(again)).toBe(1)
    expect(again.stderr).toMatch(/injected failure on batch 2/)
    expect(existsSync(out)).toBe(true)
    expect(listTree(out)).toEqual([])
  }, 60_000)
})
