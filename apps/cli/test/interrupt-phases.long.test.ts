/**
 * SIGINT and SIGTERM in every phase of an export run: while the plugins load
 * (preparation), once the snapshot is counted and before the first batch,
 * between batches, and while the ZIP file is written (publish). Every time:
 * exit 130 at once, "interrupted" on stderr, nothing published, and no
 * temporary entry nor any folder this run made left behind.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import {
  LAUNCHER,
  listTree,
  sharedArchive,
  show,
  start,
  TEMP_PREFIX,
  tempEntries,
  testPluginExport,
  waitFor
} from "./support.js"

const DID = "did:plc:phases"
const fx = sharedArchive(DID, 400)

// A big export for the publish phase: its ZIP file takes a while to write.
const BIG_POSTS = 60_000
let bigDb = ""
let bigDid = ""
beforeAll(() => {
  bigDb = path.join(fx.dir, "big.db")
  bigDid = execFileSync(process.execPath, [LAUNCHER, "seed", "--db", bigDb, "--posts", String(BIG_POSTS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"]
  }).trim()
}, 120_000)

interface Phase {
  readonly name: string
  readonly args: (out: string) => ReadonlyArray<string>
  readonly env: (markers: string) => Record<string, string>
  /** True once the run is in the phase. */
  readonly inPhase: (markers: string, out: string) => boolean
}

const slow = (out: string) => testPluginExport(fx.db, DID, out)

const PHASES: ReadonlyArray<Phase> = [
  {
    name: "preparation (plugins loading)",
    args: slow,
    env: (markers) => ({ SKYPORTER_TEST_LOAD_DELAY_MS: "60000", SKYPORTER_TEST_MARKER_DIR: markers }),
    inPhase: (markers) => existsSync(path.join(markers, "loading"))
  },
  {
    name: "snapshot counted, before the first batch",
    args: slow,
    env: (markers) => ({ SKYPORTER_TEST_MAKE_DELAY_MS: "60000", SKYPORTER_TEST_MARKER_DIR: markers }),
    inPhase: (markers) => existsSync(path.join(markers, "made"))
  },
  {
    name: "between batches",
    args: slow,
    env: (markers) => ({ SKYPORTER_TEST_DELAY_MS: "200", SKYPORTER_TEST_MARKER_DIR: markers }),
    inPhase: (markers) => existsSync(path.join(markers, "batch-2"))
  },
  {
    name: "publish (ZIP file being written)",
    args: (out) => ["export", "--db", bigDb, "--did", bigDid, "--zip", "--quiet", "--out", out],
    env: () => ({}),
    inPhase: (_, out) =>
      existsSync(path.join(out, bigDid)) &&
      readdirSync(path.join(out, bigDid)).some((n) => n.startsWith(TEMP_PREFIX) && n.endsWith(".zip"))
  }
]

describe.each(PHASES)("a signal during $name", (phase) => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s: exit 130, says so, leaves nothing",
    async (signal) => {
      const tag = `${phase.name.replace(/\W+/g, "-")}-${signal}`
      const out = path.join(fx.dir, `out-${tag}`)
      const markers = path.join(fx.dir, `markers-${tag}`)
      mkdirSync(markers)
      const running = start(phase.args(out), { cwd: fx.dir, env: phase.env(markers) })
      let exited = false
      void running.done.then(() => (exited = true))
      try {
        await waitFor(phase.name, () => exited || phase.inPhase(markers, out), 120_000)
        expect(exited, `the export ended before the signal: ${running.stderr()}`).toBe(false)
        const sentAt = Date.now()
        running.child.kill(signal)
        const r = await running.done
        expect(r.code, show(r)).toBe(130)
        expect(Date.now() - sentAt, "stops within seconds").toBeLessThan(10_000)
        expect(r.stdout, show(r)).toBe("")
        expect(r.stderr, show(r)).toMatch(/^skyporter export: interrupted; nothing was published$/m)
        expect(r.stderr).not.toMatch(/unexpected error/)
        expect(tempEntries(out), show(r)).toEqual([])
        // The run made <out> and <out>/<did>/: it removes them, empty, as it stops.
        expect(listTree(out), show(r)).toEqual([])
        expect(existsSync(out), show(r)).toBe(false)
      } finally {
        if (!exited) running.child.kill("SIGKILL")
      }
    },
    180_000
  )
})
