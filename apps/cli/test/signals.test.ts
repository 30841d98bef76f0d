/**
 * SIGTERM in the middle of an export (a slow test plugin; the signal is sent
 * once stderr shows progress and batch 2 has been written): exit 130, nothing
 * published, no temporary directory left. SIGINT the same way:
 * signals.long.test.ts (and into a ZIP file, in the loop: media.test.ts).
 * And a signal that lands as the process exits (fixtures/late-signal.mjs)
 * changes nothing: the exit code stands.
 */
import { describe, expect, it } from "vitest"
import { betweenBatchesArchive, expectInterruptedBetweenBatches } from "./between-batches.js"
import { LATE_SIGNAL } from "./launcher-runs.js"
import { run, show, useTempDir } from "./support.js"

const fx = betweenBatchesArchive()

describe("a signal mid-export", () => {
  it(
    "SIGTERM: exits 130, publishes nothing and removes its temporary directory",
    () => expectInterruptedBetweenBatches(fx, "SIGTERM"),
    180_000
  )
})

describe("a signal on the way out", () => {
  const tmp = useTempDir()
  const late = (signal: string) => ({ NODE_OPTIONS: `--import=${LATE_SIGNAL}`, LATE_SIGNAL: signal })

  it.each(["SIGINT", "SIGTERM"])("%s after --version printed: exit 0", async (signal) => {
    const r = await run(["--version"], { cwd: tmp.dir, env: late(signal) })
    expect(r.signal, show(r)).toBe(null)
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/\d+\.\d+\.\d+/)
  })

  it("SIGTERM after a usage error: exit 2", async () => {
    const r = await run(["export", "--format", "json"], { cwd: tmp.dir, env: late("SIGTERM") })
    expect(r.signal, show(r)).toBe(null)
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(/--db/)
  })
})
