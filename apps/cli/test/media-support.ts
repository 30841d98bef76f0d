/**
 * Shared by media.test.ts (SIGINT) and media.long.test.ts (SIGTERM): a signal while media files
 * go into the ZIP file of an export of `seeded` (an archive seeded with --media-root).
 */
import { Synthetic } from "@skyporter/testkit"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { beforeAll, expect, it } from "vitest"
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

/** Bad --media and --media-root flags; `loop`: also in media.test.ts (all of them: media.long.test.ts). */
export const MEDIA_FLAG_CASES: ReadonlyArray<readonly [flags: ReadonlyArray<string>, message: RegExp, loop: boolean]> =
  [
    [["--media", "--media-root", "nowhere"], /--media-root nowhere is not a directory/, true],
    [["--media", "--media-root", "seeded/archive.db"], /is not a directory/, false],
    [["--media-root", "seeded"], /--media-root only applies with --media/, true]
  ]

/** For each case: an export of `fx.seeded` with the flags exits 2 with its message and writes nothing. */
export const refusesMediaFlags = (
  fx: { readonly dir: string; readonly seeded: string },
  cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp, boolean]>
) =>
  it.each(cases.map(([flags, message]) => [flags, message] as const))(
    "%j exits 2 with a message and writes nothing",
    async (flags, message) => {
      const out = path.join(fx.dir, "never")
      const r = await run(["export", "--db", fx.seeded, "--did", DID, "--out", out, ...flags], { cwd: fx.dir })
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stdout).toBe("")
      expect(existsSync(out)).toBe(false)
    }
  )
