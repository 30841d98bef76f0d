/**
 * Invalid usage and input: exit 2, a message on stderr naming what is wrong,
 * nothing on stdout, nothing created in --out, and the database untouched.
 * One case of each kind here (a parser error, a bad DID, a bad date, a bad
 * range, a file that is not SQLite, an archive without the columns); the whole
 * table in errors.long.test.ts (invalid-usage.ts).
 */
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { CASES, expectInvalid, inputs } from "./invalid-usage.js"
import { run, show } from "./support.js"

const fixture = inputs()

describe("invalid usage and input exit 2", () => {
  expectInvalid(
    fixture,
    CASES.filter((c) => c.loop === true)
  )

  // Usage errors pointing to --help (`export --nope`): errors.long.test.ts (in the loop: the hint
  // after every error of conventions.test.ts).

  it("--out naming a file exits 1, as a file in the way further up does, and leaves the file alone", async () => {
    const file = path.join(fixture.dir, "not-a-folder.txt")
    writeFileSync(file, "keep me")
    const r = await run(["export", "--db", fixture.files.archive!, "--did", "did:plc:alice", "--out", file], {
      cwd: fixture.dir
    })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toBe(
      `skyporter export: cannot create the folder ${file}: a file is in the way (it is not a folder); ` +
        "--out must name a folder (created when missing)\n"
    )
    expect(readFileSync(file, "utf8")).toBe("keep me")
  }, 60_000)
})
