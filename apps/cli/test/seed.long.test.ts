/**
 * `skyporter seed` is deterministic through the real CLI: the same seed twice writes archives
 * whose exports are byte for byte the same (in the loop: @skyporter/synthetic's Synthetic.test.ts
 * checks the rows in-process, and seed.test.ts seeds and exports).
 */
import { Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportOk, readExport, removeDir, run, show, tempDir } from "./support.js"

let dir: string

beforeAll(() => {
  dir = tempDir()
})

afterAll(() => removeDir(dir))

const seed = (args: ReadonlyArray<string>) => run(["seed", ...args], { cwd: dir })

describe("skyporter seed", () => {
  it("the same seed writes the same archive: identical exports", async () => {
    const files: Array<Buffer> = []
    for (const name of ["same-a.db", "same-b.db"]) {
      const db = path.join(dir, name)
      const r = await seed(["--db", db, "--posts", "300", "--seed", "9"])
      expect(r.code, show(r)).toBe(0)
      const published = await exportOk(
        [
          "--db",
          db,
          "--did",
          Synthetic.DEFAULT_DID,
          "--format",
          "csv",
          "--out",
          path.join(dir, `out-${name}`),
          "--quiet"
        ],
        { cwd: dir }
      )
      files.push(readExport(published, "csv").data)
    }
    expect(files[0]!.equals(files[1]!)).toBe(true)
  }, 180_000)
})
