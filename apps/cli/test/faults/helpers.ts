/**
 * Helpers for the fault tests: a seeded random source, streaming checks of
 * files too big to read at once, another process locking an archive, and
 * probes for what this machine allows
 * (private mount namespaces, running as an unprivileged user). A test that
 * needs what the machine does not allow is skipped with the reason in its
 * name, never faked.
 */
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { createReadStream, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import {
  holdsOpen,
  LAUNCHER,
  type RunOptions,
  type RunResult,
  type Running,
  show,
  sleep,
  start,
  startCommand,
  waitFor
} from "../support.js"

/** A fixture script of the fault tests (run with `node`). */
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Starts the locker fixture on `db` (its modes are in fixtures/locker.mjs); `lines()` is what it printed so far. */
export const locker = (db: string, ...args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [fixture("locker.mjs"), db, ...args], {
    cwd: path.dirname(db),
    stdio: ["ignore", "pipe", "inherit"]
  })
  let printed = ""
  child.stdout.on("data", (d: Buffer) => (printed += d.toString("utf8")))
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
  return { child, lines: () => printed.split("\n").filter((l) => l !== ""), exited }
}

/**
 * Runs the CLI with `args` on `db` while the locker holds it (`mode`), and a
 * second after the run reached its wait for the lock (`waiting`; by default,
 * once it has the archive open) sends it `signal`: it must stop at once (exit
 * 130) without waiting out the lock. `check` sees the result while the lock
 * is still held.
 */
export const signalWhileLocked = async (
  db: string,
  mode: "hold" | "hold-reserved",
  args: ReadonlyArray<string>,
  signal: NodeJS.Signals,
  check: (r: RunResult) => void,
  waiting: (running: Running) => boolean = (running) => holdsOpen(running.child.pid, db)
): Promise<void> => {
  const holder = locker(db, mode)
  try {
    await waitFor("the lock", () => holder.lines().includes("locked"), 60_000)
    const running = start(args, { cwd: path.dirname(db) })
    let exited = false
    void running.done.then(() => (exited = true))
    try {
      await waitFor("the wait for the lock", () => exited || waiting(running), 120_000)
      await sleep(1_000)
      expect(exited, `the run ended before the signal: ${running.stderr()}`).toBe(false)
      const sentAt = Date.now()
      running.child.kill(signal)
      const r = await running.done
      expect(r.code, show(r)).toBe(130)
      expect(r.signal).toBe(null)
      expect(Date.now() - sentAt, "stops without waiting out the lock (5 s)").toBeLessThan(2_000)
      expect(r.stdout, show(r)).toBe("")
      expect(r.stderr).not.toMatch(/is locked by|unexpected error/)
      check(r)
    } finally {
      if (!exited) running.child.kill("SIGKILL")
    }
  } finally {
    holder.child.kill("SIGTERM")
    await holder.exited
  }
  expect(holder.lines()).toEqual(["locked", "released"])
}

/**
 * Uniform numbers in [0, 1) from a 32-bit xorshift generator: the same seed
 * gives the same sequence, so a failing random run can be replayed.
 */
export const random = (seed: number): (() => number) => {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}

/**
 * One streaming pass over a file too big to read at once (exports of giant
 * posts pass 4 GB): its sha256 and how many times `needle` occurs in it.
 */
export const scanFile = (file: string, needle: string): Promise<{ readonly sha256: string; readonly count: number }> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    const pattern = Buffer.from(needle, "utf8")
    let carry = Buffer.alloc(0)
    let count = 0
    createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })
      .on("data", (chunk) => {
        hash.update(chunk)
        const data = Buffer.concat([carry, chunk as Buffer])
        let next = 0
        for (let at = data.indexOf(pattern); at !== -1; at = data.indexOf(pattern, next)) {
          count++
          next = at + pattern.length
        }
        // Keep a tail that could hold the start of a match cut by the chunk boundary.
        carry = data.subarray(Math.max(next, data.length - pattern.length + 1))
      })
      .on("error", reject)
      .on("end", () => resolve({ sha256: hash.digest("hex"), count }))
  })

const succeeds = (command: string, args: ReadonlyArray<string>): boolean => {
  try {
    return spawnSync(command, args, { stdio: "ignore", timeout: 30_000 }).status === 0
  } catch {
    return false
  }
}

const probe = <A>(f: () => A): (() => A) => {
  let cached: { value: A } | undefined
  return () => (cached ??= { value: f() }).value
}

/** Whether this process may mount a tmpfs in a private mount namespace (root, or a capable container). */
export const canMount: () => boolean = probe(() => {
  const dir = mkdtempSync(path.join(tmpdir(), "skyporter-mount-probe-"))
  try {
    return succeeds("unshare", [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs -o size=64k tmpfs "$1"',
      "sh",
      dir
    ])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** The uid and gid of `nobody`, which the read-only tests run the CLI as. */
export const NOBODY = 65534

/** Whether the CLI can run as `nobody` here (setpriv present, we are root, node and the repository readable). */
export const canRunAsNobody: () => boolean = probe(
  () =>
    process.getuid?.() === 0 &&
    succeeds("setpriv", [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      process.execPath,
      LAUNCHER,
      "--version"
    ])
)

/**
 * Starts `sh -c SCRIPT sh ARGS…` in a private mount namespace: mounts made by
 * the script vanish with it, whatever happens to the test. The script gets
 * the node binary and the CLI launcher as $NODE and $SKYPORTER.
 */
export const startInNamespace = (script: string, args: ReadonlyArray<string>, options: RunOptions): Running =>
  startCommand("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", ...args], {
    ...options,
    env: { ...options.env, NODE: process.execPath, SKYPORTER: LAUNCHER }
  })

/** Starts the CLI as `nobody` (no supplementary groups). */
export const startAsNobody = (args: ReadonlyArray<string>, options: RunOptions): Running =>
  startCommand(
    "setpriv",
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, LAUNCHER, ...args],
    options
  )

/** The entries of a folder, sorted; [] when it does not exist. */
export const entries = (dir: string): Array<string> => {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}
