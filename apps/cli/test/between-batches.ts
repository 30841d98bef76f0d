/**
 * For signals.test.ts (SIGTERM) and signals.long.test.ts (SIGINT): a signal in the middle of an
 * export (a slow test plugin; sent once stderr shows progress and batch 2 has been written).
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { exportDirs, listTree, sharedArchive, show, start, tempEntries, testPluginExport, waitFor } from "./support.js"

const DID = "did:plc:interrupted"
const POSTS = 400

/** The archive of the calling file's runs: made before its tests, removed after. */
export const betweenBatchesArchive = () => sharedArchive(DID, POSTS)

/** Exit 130, nothing published, no temporary directory left. */
export const expectInterruptedBetweenBatches = async (
  fx: { readonly dir: string; readonly db: string },
  signal: "SIGINT" | "SIGTERM",
  /** More environment for the export, and a name for its folders. */
  more: { readonly name: string; readonly env: Record<string, string> } = { name: signal, env: {} }
): Promise<void> => {
  const out = path.join(fx.dir, `out-${more.name}`)
  const markers = path.join(fx.dir, `markers-${more.name}`)
  mkdirSync(markers)
  // 40 batches of 10, each at least 200 ms: the export runs for 8 s or more.
  const running = start(testPluginExport(fx.db, DID, out), {
    cwd: fx.dir,
    env: { SKYPORTER_TEST_DELAY_MS: "200", SKYPORTER_TEST_MARKER_DIR: markers, ...more.env }
  })
  let exited = false
  void running.done.then(() => (exited = true))
  try {
    await waitFor(
      "progress on stderr and batch 2 written",
      () => exited || (/testjson: \d+\/400 posts/.test(running.stderr()) && existsSync(path.join(markers, "batch-2"))),
      120_000
    )
    expect(exited, "the export ended before the signal could be sent").toBe(false)
    // The export is under way: its temporary directory exists.
    const temps = tempEntries(out)
    expect(temps).toHaveLength(1)
    expect(listTree(out)).toContain(`${temps[0]}/posts.json`)
    running.child.kill(signal)
    const r = await running.done
    expect(r.code, show(r)).toBe(130)
    expect(r.signal).toBe(null)
    expect(r.stdout, show(r)).toBe("")
    expect(r.stderr).not.toMatch(/unexpected error/)
    // Interrupted part-way, not at the end.
    expect(readdirSync(markers).length).toBeLessThan(40)
    expect(exportDirs(out, DID), show(r)).toEqual([])
    expect(tempEntries(out), show(r)).toEqual([])
    expect(listTree(out).filter((p) => p !== DID)).toEqual([])
  } finally {
    if (!exited) running.child.kill("SIGKILL")
  }
}
