/**
 * `skyporter seed` is deterministic through the real CLI: the same seed twice writes archives
 * whose exports are byte for byte the same (in the loop: @skyporter/synthetic's Synthetic.test.ts
 * checks the rows in-process, and seed.test.ts seeds and exports); and the bad arguments
 * seed.test.ts leaves out (a --posts that is no number, a missing --posts), each exit 2, no file;
 * its progress on stderr; a --db that is a folder, in a folder that does not exist, under a file
 * or on a read-only filesystem, each named, exit 2 and nothing made.
 */
import { Synthetic } from "@skyporter/testkit"
import { mkdirSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { expectTargetsRefused } from "./archive-targets.js"
import { canMount, startInNamespace } from "./faults/helpers.js"
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

  it("reports its progress on stderr as it commits, and counts one post in the singular", async () => {
    const r = await seed(["--db", path.join(temp.dir, "progress.db"), "--posts", "25000"])
    expect(r.code, show(r)).toBe(0)
    // 25,000 posts and 3 × 250 of other accounts: a report after the first commit (10,000), then at most one a second.
    expect(r.stderr).toMatch(/^seed: 10000\/25750 posts \(38%\)/m)
    expect(r.stderr).toMatch(/^seeded 25000 posts for /m)
    const one = await seed(["--db", path.join(temp.dir, "one.db"), "--posts", "1"])
    expect(one.stderr).toMatch(/^seeded 1 post for /m)
  }, 60_000)

  it(
    "names the file when --db is a directory or in a folder that does not exist (exit 2, nothing made)",
    () => expectTargetsRefused("seed", temp.dir, (db) => seed(["--db", db, "--posts", "5"])),
    60_000
  )

  it.skipIf(!canMount())(
    "says why it cannot create a --db on a read-only filesystem (exit 2, nothing made)",
    async () => {
      const ro = path.join(temp.dir, "read-only")
      mkdirSync(ro)
      // A read-only bind mount, in a mount namespace of its own that ends with the command.
      const r = await startInNamespace(
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$NODE" "$SKYPORTER" seed --db "$1/s.db" --posts 5',
        [ro],
        { cwd: temp.dir }
      ).done
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toBe(
        `skyporter seed: cannot create ${path.join(ro, "s.db")} in ${ro}: the filesystem is read-only (EROFS)\n` +
          "Run 'skyporter seed --help' for usage.\n"
      )
      expect(readdirSync(ro)).toEqual([])
    },
    60_000
  )
})
