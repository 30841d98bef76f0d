/**
 * Helpers for the fault tests: a seeded random source, streaming checks of
 * files too big to read at once, and probes for what this machine allows
 * (private mount namespaces, running as an unprivileged user). A test that
 * needs what the machine does not allow is skipped with the reason in its
 * name, never faked.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { createReadStream, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { LAUNCHER, type RunOptions, type Running, startCommand } from "../support.js"

/** A fixture script of the fault tests (run with `node`). */
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

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
