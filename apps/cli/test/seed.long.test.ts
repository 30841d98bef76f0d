/**
 * `skyporter seed` is deterministic through the real CLI: the same seed twice writes archives
 * whose exports are byte for byte the same (in the loop: @skyporter/synthetic's Synthetic.test.ts
 * checks the rows in-process, and seed.test.ts seeds and exports); and the bad arguments
 * seed.test.ts leaves out (a --posts that is no number, a missing --posts), each exit 2, no file.
 */
import { Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { BAD_ARGUMENTS, refusesBadArguments } from "./seed-arguments.js"
import { exportOk, readExport, run, show, useTempDir } from "./support.js"

const temp = useTempDir()

const seed = (args: ReadonlyArray<string>) => run(["seed", ...args], { cwd: temp.dir })

describe("skyporter seed", () => {
  it("the same seed writes the same archive: identical exports", async () => {
    const files: Array<Buffer> = []
    for (const name of ["same-a.db", "same-b.db"]) {
      const db = path.join(temp.dir, name)
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
          path.join(temp.dir, `out-${name}`),
          "--quiet"
        ],
        { cwd: temp.dir }
      )
      files.push(readExport(published, "csv").data)
    }
    expect(files[0]!.equals(files[1]!)).toBe(true)
  }, 180_000)

  refusesBadArguments(
    BAD_ARGUMENTS.filter((c) => !c.loop),
    () => temp.dir
  )
})
