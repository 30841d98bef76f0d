/**
 * A real file-size limit (RLIMIT_FSIZE via the shell's `ulimit -f`): the
 * write fails mid-export and the export ends cleanly instead of the process
 * being killed by SIGXFSZ.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportDirs, LAUNCHER, type RunResult, sharedArchive, show, tempEntries } from "./support.js"

const DID = "did:plc:limited"
const fx = sharedArchive(DID, 3000)

/** Runs the CLI under `ulimit -f <blocks>` (512-byte blocks in bash's POSIX mode; 1024 otherwise). */
const runLimited = (blocks: number, args: ReadonlyArray<string>, cwd: string) =>
  new Promise<RunResult>((resolve, reject) => {
    const quoted = [process.execPath, LAUNCHER, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")
    const child = spawn("bash", ["-c", `ulimit -f ${blocks} && exec ${quoted}`], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })

describe("a file-size limit hit mid-export", () => {
  it("exits 1 saying the limit was hit, publishes nothing and removes the temporary directory", async () => {
    const out = path.join(fx.dir, "out-limited")
    const r = await runLimited(
      200,
      ["export", "--db", fx.db, "--did", DID, "--out", out, "--batch-size", "100"],
      fx.dir
    )
    expect(r.signal, show(r)).toBeNull()
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/file size limit was reached \(EFBIG\)/)
    expect(r.stdout).toBe("")
    expect(exportDirs(out, DID)).toEqual([])
    expect(tempEntries(out)).toEqual([])
  }, 120_000)
})
