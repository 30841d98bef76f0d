/**
 * Shared by media.test.ts (SIGINT) and media.long.test.ts (SIGTERM): a signal while media files
 * go into the ZIP file of an export of `seeded` (an archive seeded with --media-root).
 */
import { Synthetic } from "@skyporter/testkit"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { beforeAll, expect } from "vitest"
import { listTree, run, show, start, TEMP_PREFIX, tempEntries, TEST_PLUGIN, useTempDir, waitFor } from "./support.js"

const DID = Synthetic.DEFAULT_DID

/**
 * For the calling file: a temporary folder and, in it, an archive of 600 seeded posts
 * (seeded/archive.db) with their media files beside it (the default media root).
 */
export const seededWithMedia = (): { readonly dir: string; readonly seeded: string } => {
  const temp = useTempDir()
  const fixture = { dir: "", seeded: "" }
  beforeAll(async () => {
    fixture.dir = temp.dir
    fixture.seeded = path.join(temp.dir, "seeded", "archive.db")
    mkdirSync(path.dirname(fixture.seeded))
    const r = await run(
      ["seed", "--db", fixture.seeded, "--posts", "600", "--media-root", path.dirname(fixture.seeded)],
      {
        cwd: temp.dir
      }
    )
    expect(r.code, show(r)).toBe(0)
  }, 120_000)
  return fixture
}

/** Exit 130, nothing published, nothing left. */
export const expectZipInterrupted = async (
  signal: "SIGINT" | "SIGTERM",
  seeded: string,
  dir: string
): Promise<void> => {
  const out = path.join(dir, `zip-${signal}`)
  const markers = path.join(dir, `zip-markers-${signal}`)
  mkdirSync(markers)
  const args = ["export", "--db", seeded, "--did", DID, "--out", out, "--media", "--zip", "--batch-size", "10"]
  // A slow plugin: media files are added to the archive between its batches.
  const plugin = ["--format", "testjson", "--plugin", TEST_PLUGIN]
  const running = start([...args, ...plugin], {
    cwd: dir,
    env: { SKYPORTER_TEST_DELAY_MS: "200", SKYPORTER_TEST_MARKER_DIR: markers }
  })
  let exited = false
  void running.done.then(() => (exited = true))
  try {
    await waitFor("batch 3", () => exited || existsSync(path.join(markers, "batch-3")), 60_000)
    expect(exited, `the export ended before the signal: ${running.stderr()}`).toBe(false)
    const parent = path.join(out, DID)
    expect(readdirSync(parent).some((n) => n.startsWith(TEMP_PREFIX) && n.endsWith(".zip"))).toBe(true)
    running.child.kill(signal)
    const r = await running.done
    expect(r.code, show(r)).toBe(130)
    expect(r.stderr).toMatch(/^skyporter export: interrupted; nothing was published$/m)
    expect(tempEntries(out), show(r)).toEqual([])
    expect(listTree(out), show(r)).toEqual([])
  } finally {
    if (!exited) running.child.kill("SIGKILL")
  }
}
