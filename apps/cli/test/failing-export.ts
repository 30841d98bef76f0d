/**
 * For failure.test.ts and failure.long.test.ts: an export that fails part-way (the test plugin
 * failing on batch 3 of 6, with `--batch-size 10` on 60 posts), after a complete export into the
 * same `<out>`.
 */
import { mkdirSync } from "node:fs"
import * as path from "node:path"
import { exportOk, listTree, run, sharedArchive, TEST_PLUGIN } from "./support.js"

export const DID = "did:plc:failing"
export const POSTS = 60

/** The archive of the calling file's runs: made before its tests, removed after. */
export const failingArchive = () => sharedArchive(DID, POSTS)

/** The test plugin's args: a built-in under another name, batches of 10 (6 for the archive). */
export const PLUGIN = ["--format", "testjson", "--plugin", TEST_PLUGIN, "--batch-size", "10"]

/** An export already in `<out>`, then one through the test plugin with `env` set, which fails. */
export const failingExport = async (
  fx: { readonly dir: string; readonly db: string },
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
