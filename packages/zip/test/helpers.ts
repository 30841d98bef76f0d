/** Independent readers for the archives under test: Info-ZIP's `unzip` and python's `zipfile`. */
import { execFileSync, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import { tempDir as makeTempDir } from "../../../testing/tempDir.mts"

/** A temp folder removed after the test (after the file, when made outside a test). */
export const tempDir = (): string => makeTempDir("skyporter-zip-")

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex")

/** `unzip -t`: every entry is read and checked against its CRC-32. */
export const unzipTest = (file: string): string => {
  const r = spawnSync("unzip", ["-t", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stdout).toContain("No errors detected")
  return r.stdout
}

export interface PyEntry {
  readonly name: string
  readonly size: number
  readonly compressed: number
  /** 0 stored, 8 deflated. */
  readonly method: number
  readonly crc: number
  readonly sha256: string
  /** External attributes >> 16 (Unix mode). */
  readonly mode: number
}

/** The repository's reader script: python's zipfile reads every entry to its end, checking its CRC-32. */
export const ZIP_ENTRIES_SCRIPT = fileURLToPath(new URL("../../../scripts/zip-entries.py", import.meta.url))

/** Every entry of the archive as python's zipfile reads it. */
export const pythonRead = (file: string): Array<PyEntry> =>
  JSON.parse(execFileSync("python3", [ZIP_ENTRIES_SCRIPT, file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }))
