/**
 * Output folders that cannot be made fail fast — never spin — with exit 1,
 * a message naming the folder and the reason (no usage hint: the command
 * line is not at fault), and nothing left behind: under
 * /proc, a file in the way, a name too long, no permission, a read-only
 * filesystem. A DID too long to name its folder is refused up front (exit 2).
 * A failed export removes the empty folders it made (and keeps an <out> that
 * was there: output-folders.long.test.ts).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { canMount, canRunAsNobody, startAsNobody, startInNamespace } from "./faults/helpers.js"
import { listTree, type RunResult, run, sharedArchive, show, testPluginExport } from "./support.js"

const DID = "did:plc:outputfolders"
const fx = sharedArchive(DID, 50)

/** exit 1 within seconds, one `skyporter export:` line naming the folder and the reason, and nothing else. */
const expectFolderFailure = (r: RunResult, startedAt: number, folder: string, reason: RegExp) => {
  expect(r.code, show(r)).toBe(1)
  expect(Date.now() - startedAt, "fails fast").toBeLessThan(20_000)
  expect(r.stdout).toBe("")
  const [line, ...rest] = r.stderr.split("\n")
  expect(line, show(r)).toContain(`skyporter export: cannot create the folder ${folder}: `)
  expect(line, show(r)).toMatch(reason)
  expect(rest, show(r)).toEqual([""])
}

const exportTo = (out: string, extra: ReadonlyArray<string> = []) =>
  run(["export", "--db", fx.db, "--did", DID, "--quiet", "--out", out, ...extra], { cwd: fx.dir })

describe("an output folder that cannot be made", () => {
  it("under /proc: fails at once (no spin), and a signal is never needed", async () => {
    const startedAt = Date.now()
    const r = await exportTo("/proc/nope")
    expectFolderFailure(r, startedAt, "/proc/nope", /does not accept new folders \(ENOENT\)/)
  }, 60_000)

  it("a file in the way, further up the path", async () => {
    const file = path.join(fx.dir, "in-the-way.txt")
    writeFileSync(file, "keep")
    const startedAt = Date.now()
    const r = await exportTo(path.join(file, "exports"))
    expectFolderFailure(r, startedAt, file, /a file is in the way/)
  }, 60_000)

  it("a name longer than the filesystem allows (ENAMETOOLONG)", async () => {
    const parent = path.join(fx.dir, "long")
    mkdirSync(parent)
    const long = path.join(parent, "x".repeat(300))
    const startedAt = Date.now()
    const r = await exportTo(path.join(long, "exports"))
    expectFolderFailure(r, startedAt, long, /name in the path is too long \(ENAMETOOLONG\)/)
    expect(listTree(parent)).toEqual([])
  }, 60_000)

  it.skipIf(!canRunAsNobody())(
    "no permission (run as nobody)",
    async () => {
      const locked = path.join(fx.dir, "locked")
      mkdirSync(locked)
      chmodSync(fx.dir, 0o755)
      chmodSync(locked, 0o555)
      const startedAt = Date.now()
      const r = await startAsNobody(
        ["export", "--db", fx.db, "--did", DID, "--quiet", "--out", path.join(locked, "exports")],
        {
          cwd: "/"
        }
      ).done
      expectFolderFailure(r, startedAt, path.join(locked, "exports"), /permission denied \(EACCES\)/)
      expect(listTree(locked)).toEqual([])
    },
    60_000
  )

  it.skipIf(!canMount())(
    "a read-only filesystem (a read-only bind mount)",
    async () => {
      const ro = path.join(fx.dir, "readonly")
      mkdirSync(ro)
      const startedAt = Date.now()
      const r = await startInNamespace(
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$NODE" "$SKYPORTER" export --db "$2" --did "$3" --quiet --out "$1/exports"',
        [ro, fx.db, DID],
        { cwd: fx.dir }
      ).done
      expectFolderFailure(r, startedAt, path.join(ro, "exports"), /the filesystem is read-only \(EROFS\)/)
      expect(listTree(ro)).toEqual([])
    },
    60_000
  )
})

describe("a DID too long to name its export folder", () => {
  it("is refused before anything is made: exit 2, and the message shows no path", async () => {
    const did = `did:plc:${"a".repeat(248)}`
    const out = path.join(fx.dir, "out-long-did")
    const r = await run(["export", "--db", fx.db, "--did", did, "--out", out], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(
      /^skyporter export: DID "did:plc:a+…" is 256 bytes long: its export folder is named after it, and folder names are limited to 255 bytes\n/
    )
    expect(r.stderr).not.toContain(fx.dir)
    expect(existsSync(out)).toBe(false)
  }, 60_000)
})

describe("a failed export", () => {
  it("leaves no empty <out>/<did>/ (nor <out>) that it made (an <out> that was there stays: output-folders.long.test.ts)", async () => {
    const out = path.join(fx.dir, "out-failed")
    const r = await run(testPluginExport(fx.db, DID, out), { cwd: fx.dir, env: { SKYPORTER_TEST_FAIL_BATCH: "2" } })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/injected failure on batch 2/)
    expect(existsSync(out), show(r)).toBe(false)
  }, 60_000)
})
