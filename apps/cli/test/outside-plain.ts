/**
 * For outside.test.ts and outside.long.test.ts: examples/format-plain copied out of the
 * repository with no node_modules, an archive of POSTS posts beside it, and an export through
 * `--plugin <folder>` on a given number of threads.
 */
import { cpSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect } from "vitest"
import { exportOk, generatePosts, readExport, removeDir, tempDir, writeArchive } from "./support.js"

export const DID = "did:plc:outsideoutsideoutside22"
export const POSTS = 2_500
const PLAIN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-plain", import.meta.url))

export interface PlainOutside {
  dir: string
  db: string
  /** The copied plugin folder. */
  folder: string
}

/** The folder, archive and plugin copy, made before the calling file's tests and removed after. */
export const plainOutside = (): PlainOutside => {
  const fx: PlainOutside = { dir: "", db: "", folder: "" }
  beforeAll(() => {
    fx.dir = tempDir()
    fx.db = path.join(fx.dir, "archive.db")
    writeArchive(fx.db, generatePosts(DID, POSTS))
    fx.folder = path.join(fx.dir, "elsewhere", "format-plain")
    cpSync(PLAIN_EXAMPLE, fx.folder, { recursive: true })
  })
  afterAll(() => removeDir(fx.dir))
  return fx
}

/** Exports through `--plugin <folder>` on `threads` threads, with options; returns the export, checked. */
export const exportPlain = async (fx: PlainOutside, threads: string) => {
  const out = path.join(fx.dir, `out-${threads}`)
  const published = await exportOk(
    [
      "--db",
      fx.db,
      "--did",
      DID,
      "--out",
      out,
      "--quiet",
      "--plugin",
      fx.folder,
      "--format",
      "plain",
      "--threads",
      threads,
      "--option",
      'separator="* * *"',
      "--option",
      "dates=false"
    ],
    { cwd: fx.dir }
  )
  const exported = readExport(published, "txt")
  expect(exported.manifest).toMatchObject({
    export_format: "plain",
    plugin: { name: "plain", version: "1.0.0" },
    post_count: POSTS
  })
  return exported
}
