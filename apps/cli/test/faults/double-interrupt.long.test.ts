/**
 * Interrupted twice: a second SIGINT (or a SIGTERM) right after the first,
 * and more signals while the first one is still being handled — the export
 * is stopping but cannot yet remove its temporary directory, because a
 * plugin call that cannot be interrupted has to return first. Every time:
 * exit 130, nothing published, no temporary directory left.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  exportDirs,
  listTree,
  type Running,
  sharedArchive,
  show,
  sleep,
  start,
  tempEntries,
  testPluginExport,
  waitFor
} from "../support.js"

const DID = "did:plc:interruptedtwice"
const POSTS = 400

const fx = sharedArchive(DID, POSTS)

const startSlow = (name: string, env: Record<string, string>) => {
  const out = path.join(fx.dir, `out-${name}`)
  const markers = path.join(fx.dir, `markers-${name}`)
  mkdirSync(markers)
  const running = start(testPluginExport(fx.db, DID, out), {
    cwd: fx.dir,
    env: { ...env, SKYPORTER_TEST_MARKER_DIR: markers }
  })
  let exited = false
  void running.done.then(() => (exited = true))
  return { out, markers, running, exited: () => exited }
}

/** The outcome every interrupted export must have. */
const expectCleanInterrupt = async (running: Running, out: string) => {
  const r = await running.done
  expect(r.code, show(r)).toBe(130)
  expect(r.signal, show(r)).toBe(null)
  expect(r.stdout, show(r)).toBe("")
  expect(r.stderr).not.toMatch(/unexpected error/)
  expect(exportDirs(out, DID), show(r)).toEqual([])
  expect(tempEntries(out), show(r)).toEqual([])
  expect(listTree(out).filter((p) => p !== DID)).toEqual([])
}

describe("interrupted twice", () => {
  it.each([
    ["SIGINT", "SIGINT"],
    ["SIGINT", "SIGTERM"],
    ["SIGTERM", "SIGINT"]
  ] as const)(
    "%s then %s 5 ms later, mid-export: exit 130, nothing left",
    async (first, second) => {
      const x = startSlow(`${first}-${second}`, { SKYPORTER_TEST_DELAY_MS: "200" })
      try {
        await waitFor("batch 2 written", () => x.exited() || existsSync(path.join(x.markers, "batch-2")), 120_000)
        expect(x.exited(), "the export ended before the signals").toBe(false)
        expect(tempEntries(x.out)).toHaveLength(1)
        x.running.child.kill(first)
        await sleep(5)
        x.running.child.kill(second)
        await expectCleanInterrupt(x.running, x.out)
        expect(readdirSync(x.markers).length).toBeLessThan(POSTS / 10)
      } finally {
        if (!x.exited()) x.running.child.kill("SIGKILL")
      }
    },
    180_000
  )

  it("more signals while the first is still being handled: exit 130 once the plugin call returns, nothing left", async () => {
    // Each batch's plugin call holds for 3 s after writing its marker, and cannot be interrupted meanwhile.
    const x = startSlow("held", { SKYPORTER_TEST_HOLD_MS: "3000" })
    try {
      await waitFor("batch 1 encoded", () => x.exited() || existsSync(path.join(x.markers, "batch-1")), 120_000)
      x.running.child.kill("SIGINT")
      await sleep(500)
      // Stopping, not stopped: the temporary directory is still there.
      expect(x.exited(), "the export ended before the plugin call returned").toBe(false)
      expect(tempEntries(x.out)).toHaveLength(1)
      x.running.child.kill("SIGINT")
      for (let i = 0; i < 5; i++) {
        await sleep(50)
        if (!x.exited()) x.running.child.kill(i % 2 === 0 ? "SIGINT" : "SIGTERM")
      }
      await expectCleanInterrupt(x.running, x.out)
      // Nothing after the first signal: batch 2 never started.
      expect(readdirSync(x.markers)).toEqual(["batch-1"])
    } finally {
      if (!x.exited()) x.running.child.kill("SIGKILL")
    }
  }, 180_000)
})
