/**
 * `--threads`: json, csv and ndjson encoded on 1, 2 and 3 threads give the
 * same bytes (and hash) as on the main thread's path; a bad value is a usage
 * error (exit 2) naming the flag, with nothing written.
 */
import { existsSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, readExport, removeDir, run, sharedArchive, show, tempDir } from "./support.js"

const DID = "did:plc:threadsthreads222222222"
const POSTS = 2_500
const fx = sharedArchive(DID, POSTS)

let dir: string
beforeAll(() => {
  dir = tempDir()
})
afterAll(() => removeDir(dir))

describe("skyporter export --threads", () => {
  it.each(["json", "csv", "ndjson"])(
    "%s: 1, 2 and 3 threads write the same file",
    async (format) => {
      const files = []
      for (const threads of ["1", "2", "3"]) {
        const published = await exportOk(
          [
            "--db",
            fx.db,
            "--did",
            DID,
            "--format",
            format,
            "--threads",
            threads,
            "--batch-size",
            "100",
            "--out",
            path.join(dir, "out"),
            "--quiet"
          ],
          { cwd: dir }
        )
        const { data, manifest } = readExport(published, format)
        expect(manifest.post_count).toBe(POSTS)
        files.push({ threads, data, sha256: manifest.files[0]!.sha256 })
      }
      for (const f of files.slice(1)) {
        expect(f.data.equals(files[0]!.data), `--threads ${f.threads} vs --threads 1`).toBe(true)
        expect(f.sha256).toBe(files[0]!.sha256)
      }
    },
    120_000
  )

  it.each(["0", "-2", "1.5", "33"])(
    "--threads %s: exit 2 naming the flag, nothing written",
    async (value) => {
      const out = path.join(dir, `bad-${value}`)
      const r = await run(["export", "--db", fx.db, "--did", DID, "--threads", value, "--out", out], { cwd: dir })
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toMatch(/threads/)
      expect(r.stdout).toBe("")
      expect(existsSync(path.join(out, DID))).toBe(false)
    },
    60_000
  )
})
