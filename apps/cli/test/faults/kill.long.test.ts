/**
 * SIGKILL at random moments. Exports of 20,000 posts into one output folder
 * are killed at seeded random points of each phase — startup, snapshot,
 * batches, publish — and after every kill the folder is checked: each
 * published directory has its manifest and its file's bytes and sha256
 * agree with it (and equal a complete export). A further export sweeps the
 * killed runs' leftovers, while the temporary directory of a live export in
 * another process (stopped with SIGSTOP the whole time) is never swept, and
 * that export still completes once resumed.
 *
 * Replay a failing run with SKYPORTER_KILL_SEED=<seed printed in the failure>.
 */
import { existsSync, mkdirSync, watch } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportDirs,
  exportOk,
  generatePosts,
  readExport,
  removeDir,
  type Running,
  show,
  sleep,
  start,
  tempDir,
  tempEntries,
  TEST_PLUGIN,
  waitFor,
  writeArchive
} from "../support.js"
import { random } from "./helpers.js"

const DID = "did:plc:killedatrandom"
const POSTS = 20_000
const PHASES = ["startup", "snapshot", "batches", "publish"] as const
type Phase = (typeof PHASES)[number]
const RUNS_PER_PHASE = 6
const SEED = Number(process.env.SKYPORTER_KILL_SEED ?? "20240601")

let dir: string
let db: string
let out: string

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  out = path.join(dir, "out")
  writeArchive(db, generatePosts(DID, POSTS))
})

afterAll(() => removeDir(dir))

const exportArgs = (folder = out): Array<string> => [
  "export",
  "--db",
  db,
  "--did",
  DID,
  "--out",
  folder,
  "--batch-size",
  "50"
]

/** The temporary directories under `out` that belong to process `pid`. */
const tempsOf = (pid: number | undefined): Array<string> =>
  tempEntries(out).filter((p) => path.basename(p).includes(`-${pid}-`))

/** Checks every published directory: manifest present, bytes and sha256 agree, content complete. */
const checkPublished = (expected: Buffer, context: string): number => {
  const dirs = exportDirs(out, DID)
  for (const name of dirs) {
    const { data, manifest } = readExport(path.join(out, DID, name), "json")
    expect(manifest.post_count, `${context}: ${name}`).toBe(POSTS)
    expect(data.equals(expected), `${context}: ${name} differs from a complete export`).toBe(true)
  }
  return dirs.length
}

/** Waits for `phase` to begin in `running`, then for a random delay within it, and kills it. */
const killIn = async (running: Running, phase: Phase, next: () => number, exportMillis: number): Promise<string> => {
  let exited = false
  void running.done.then(() => (exited = true))
  const pid = running.child.pid
  const waitUntil = (what: string, condition: () => boolean) => waitFor(what, () => exited || condition(), 120_000)
  let delay: number
  switch (phase) {
    case "startup":
      // From spawn: node starting, modules loading, the archive opening, the sweep.
      delay = next() * 600
      break
    case "snapshot":
      // From the temporary directory's creation to the first progress line.
      await waitUntil("the temporary directory", () => tempsOf(pid).length > 0)
      delay = next() * 60
      break
    case "batches":
      await waitUntil("the first progress line", () => /json: 0\/20000 posts/.test(running.stderr()))
      delay = next() * exportMillis
      break
    case "publish": {
      // The manifest is written into the temporary directory just before the rename.
      await waitUntil("the temporary directory", () => tempsOf(pid).length > 0)
      const temp = path.join(out, tempsOf(pid)[0]!)
      const written = new Promise<void>((resolve) => {
        try {
          const watcher = watch(temp, (_event, name) => {
            if (name === "manifest.json") {
              watcher.close()
              resolve()
            }
          })
          void running.done.then(() => {
            watcher.close()
            resolve()
          })
        } catch {
          resolve() // already renamed away
        }
      })
      await written
      // Spread over the manifest's fsync, the rename and the printing of the path.
      delay = next() * 15
      break
    }
  }
  if (delay >= 1) await sleep(delay)
  if (!exited) running.child.kill("SIGKILL")
  return `${phase} +${delay.toFixed(1)}ms`
}

describe("SIGKILL at random points of an export", () => {
  it(`publishes only complete, verified exports; the next export sweeps the leftovers (seed ${SEED})`, async () => {
    // A complete export: the bytes every published posts.json must have, and the length of the batch phase.
    const reference = start(exportArgs(path.join(dir, "reference")), { cwd: dir })
    await waitFor(
      "the reference export's first progress line",
      () => /json: 0\/20000/.test(reference.stderr()),
      120_000
    )
    const batchesFrom = Date.now()
    const ref = await reference.done
    expect(ref.code, show(ref)).toBe(0)
    const exportMillis = Math.max(200, Date.now() - batchesFrom)
    const expected = readExport(ref.stdout.trim(), "json").data

    // A live export in another process, stopped while it writes: its temporary directory must survive every sweep.
    const markers = path.join(dir, "markers")
    mkdirSync(markers)
    const live = start(
      [
        "export",
        "--db",
        db,
        "--did",
        DID,
        "--out",
        out,
        "--format",
        "testjson",
        "--plugin",
        TEST_PLUGIN,
        "--batch-size",
        "50"
      ],
      { cwd: dir, env: { SKYPORTER_TEST_DELAY_MS: "20", SKYPORTER_TEST_MARKER_DIR: markers } }
    )
    let liveExited = false
    void live.done.then(() => (liveExited = true))
    const runs: Array<{ plan: string; result: string; leftovers: number }> = []
    try {
      await waitFor("the live export's batch 2", () => liveExited || existsSync(path.join(markers, "batch-2")), 120_000)
      expect(liveExited, "the live export ended early").toBe(false)
      live.child.kill("SIGSTOP")
      const liveTemp = tempsOf(live.child.pid)
      expect(liveTemp).toHaveLength(1)

      const next = random(SEED)
      const plan = PHASES.flatMap((phase) => Array.from({ length: RUNS_PER_PHASE }, () => phase))
      // Interleave the phases in a seeded order.
      for (let i = plan.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[plan[i], plan[j]] = [plan[j]!, plan[i]!]
      }
      for (const [i, phase] of plan.entries()) {
        const running = start(exportArgs(), { cwd: dir })
        const planned = await killIn(running, phase, next, exportMillis)
        const r = await running.done
        const context = `run ${i + 1} (${planned}, seed ${SEED})`
        expect(r.signal === "SIGKILL" || r.code === 0, `${context}\n${show(r)}`).toBe(true)
        checkPublished(expected, context)
        expect(tempsOf(live.child.pid), `${context}: the live export's directory was swept`).toEqual(liveTemp)
        runs.push({ plan: planned, result: r.signal ?? `exit ${r.code}`, leftovers: tempsOf(running.child.pid).length })
      }
      const summary = JSON.stringify(runs, null, 1)
      // Most kills must land. A kill timed late in the batch phase (its length taken from the
      // reference run) finds the export already published when the machine speeds up meanwhile.
      expect(runs.filter((r) => r.result === "SIGKILL").length, summary).toBeGreaterThanOrEqual(16)
      // Kills really left temporary directories behind, and a killed run never published.
      expect(
        runs.some((r) => r.leftovers > 0),
        summary
      ).toBe(true)

      // The next export sweeps every leftover of the killed runs, and only those.
      const before = tempEntries(out).filter((p) => !liveTemp.includes(p))
      const published = await exportOk(exportArgs().slice(1), { cwd: dir })
      expect(readExport(published, "json").data.equals(expected)).toBe(true)
      expect(tempEntries(out), `before the sweep: ${before.join(", ")}`).toEqual(liveTemp)
      checkPublished(expected, "after the sweep")

      // The stopped export resumes and completes: its directory was never touched.
      live.child.kill("SIGCONT")
      const l = await live.done
      expect(l.code, show(l)).toBe(0)
      const liveExport = readExport(l.stdout.trim(), "json")
      expect(liveExport.data.equals(expected)).toBe(true)
      expect(liveExport.manifest.plugin.name).toBe("testjson")
      expect(tempEntries(out)).toEqual([])
    } finally {
      if (!liveExited) {
        live.child.kill("SIGCONT")
        live.child.kill("SIGKILL")
      }
    }
  }, 600_000)
})
