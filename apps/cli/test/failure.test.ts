/**
 * An export that fails part-way (a plugin failing on batch 3 of 6, with
 * `--batch-size 10` on 60 posts): exit 1, stderr names batch 3, nothing is
 * published, no `.skyporter-tmp-*` is left, and an earlier export (the same
 * plugin's, in one case) is untouched.
 */
import { mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  exportDirs,
  exportOk,
  listTree,
  readExport,
  run,
  sharedArchive,
  show,
  tempEntries,
  TEST_PLUGIN
} from "./support.js"

const DID = "did:plc:failing"
const POSTS = 60

const fx = sharedArchive(DID, POSTS)

/** The test plugin's args: a built-in under another name, batches of 10 (6 for the archive). */
const PLUGIN = ["--format", "testjson", "--plugin", TEST_PLUGIN, "--batch-size", "10"]

const failingExport = async (
  env: Record<string, string>,
  extra: ReadonlyArray<string> = [],
  earlierArgs: ReadonlyArray<string> = []
) => {
  const out = path.join(fx.dir, `out-${Object.keys(env).join("-")}-${extra.join("")}`)
  const markers = path.join(fx.dir, `markers-${Object.keys(env).join("-")}-${extra.join("")}`)
  mkdirSync(markers, { recursive: true })
  // A complete export already there must survive the failed one.
  const earlier = await exportOk(["--db", fx.db, "--did", DID, "--out", out, "--quiet", ...earlierArgs], {
    cwd: fx.dir
  })
  const earlierTree = listTree(out)
  const r = await run(["export", "--db", fx.db, "--did", DID, ...PLUGIN, "--out", out, ...extra], {
    cwd: fx.dir,
    env: { ...env, SKYPORTER_TEST_MARKER_DIR: markers }
  })
  return { r, out, markers, earlier, earlierTree }
}

describe("a failure injected at batch 3", () => {
  // One run shows both: the error names batch 3 and the plugin, and --json and --quiet leave
  // stdout empty while the error still shows.
  it("FormatError on batch 3 → exit 1, nothing published, no temp dir; with --json and --quiet stdout stays empty, the error still shows", async () => {
    const { earlier, earlierTree, markers, out, r } = await failingExport({ SKYPORTER_TEST_FAIL_BATCH: "3" }, [
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

  it("a plugin that throws on batch 3 → exit 1, nothing published, no temp dir; the same plugin without a failure exports all posts", async () => {
    // The export already there is the same plugin's, without a failure.
    const { earlier, earlierTree, markers, out, r } = await failingExport(
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
