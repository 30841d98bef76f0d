/**
 * More CARs and archives `skyporter import` refuses (one of each kind stays
 * in import.test.ts: a truncated CAR, a file that is no CAR, a folder, and an
 * archive in a missing folder): a CAR with a byte flipped, random bytes, a
 * short junk file, an empty file, a --car that does not exist or is a device,
 * and a --db on a read-only filesystem or in a folder this user may not
 * write. Each exits 2, the archive byte for byte as it was and nothing made.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import { canMount, canRunAsNobody, startAsNobody, startInNamespace } from "./faults/helpers.js"
import { generatePosts, removeDir, run, sha256, show, tempDir, writeArchive } from "./support.js"

const DID = Repos.DID

let dir: string
let car: string
let built: Repos.Built
/** An archive the import made from the CAR, which every refused import must leave as it was. */
let db: string

beforeAll(async () => {
  dir = tempDir()
  built = await Repos.build(Repos.catalog(20))
  car = path.join(dir, "repo.car")
  writeFileSync(car, built.car)
  db = path.join(dir, "archive.db")
  const made = await importCar(["--car", car, "--db", db, "--quiet"])
  expect(made.code, show(made)).toBe(0)
}, 120_000)

afterAll(() => removeDir(dir))

const fileHash = (p: string) => sha256(readFileSync(p))

const importCar = (args: ReadonlyArray<string>) => run(["import", ...args], { cwd: dir })

const CAR_ADVICE =
  "(Settings → Export my data, or com.atproto.sync.getRepo)\nRun 'skyporter import --help' for usage.\n"

describe("skyporter import refuses", () => {
  it("a CAR with a byte flipped, random bytes, a short junk file and an empty file: exit 2, the archive unchanged", async () => {
    const before = fileHash(db)
    const flipped = Buffer.from(built.car)
    flipped[Math.floor(flipped.length * 0.7)] ^= 0x20
    const cases: Array<[string, Buffer, RegExp]> = [
      ["flipped.car", flipped, /does not match its CID|not a valid|lacks|malformed|not DAG-CBOR|unreadable/],
      [
        "random.car",
        randomBytes(2000),
        /: not a CAR file \(it starts with the bytes [^)]*\): a CAR file is a repository export/
      ],
      ["junk.car", Buffer.from("junk!"), /: not a CAR file \(it starts with the bytes 6a 75 6e 6b 21\)/],
      ["empty.car", Buffer.alloc(0), /: the file is empty: a CAR file is/]
    ]
    for (const [name, bytes, message] of cases) {
      const p = path.join(dir, name)
      writeFileSync(p, bytes)
      const r = await importCar(["--car", p, "--db", db])
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^skyporter import: ${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `, "m"))
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/truncated/)
      expect(r.stdout).toBe("")
      expect(fileHash(db), name).toBe(before)
    }
  })

  it("a --car that does not exist or is no file, before reading anything: exit 2, nothing made", async () => {
    const fresh = path.join(dir, "fresh.db")
    // Refused before the "verifying" line: there is nothing to verify.
    const nope = path.join(dir, "nope.car")
    const none = await importCar(["--car", nope, "--db", fresh])
    expect(none.code, show(none)).toBe(2)
    expect(none.stderr).toBe(
      `skyporter import: --car ${nope} does not exist: it must name a CAR file, a repository export ${CAR_ADVICE}`
    )
    expect(existsSync(fresh)).toBe(false)
    const device = await importCar(["--car", "/dev/null", "--db", fresh])
    expect(device.code, show(device)).toBe(2)
    expect(device.stderr).toBe(
      `skyporter import: --car /dev/null is not a file: it must name a CAR file, a repository export ${CAR_ADVICE}`
    )
    expect(existsSync(fresh)).toBe(false)
  })

  it.skipIf(!canMount())("a --db on a read-only filesystem, saying so: exit 2, nothing made", async () => {
    const ro = path.join(dir, "read-only")
    mkdirSync(ro)
    writeArchive(path.join(ro, "archive.db"), generatePosts(DID, 3))
    const before = fileHash(path.join(ro, "archive.db"))
    // A read-only bind mount, in a mount namespace of its own that ends with the command.
    const script =
      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ' +
      '"$NODE" "$SKYPORTER" import --car "$2" --db "$1/new.db"; echo "exit $?"; ' +
      '"$NODE" "$SKYPORTER" import --car "$2" --db "$1/archive.db"; echo "exit $?"'
    const r = await startInNamespace(script, [ro, car], { cwd: dir }).done
    expect(r.stdout, show(r)).toBe("exit 2\nexit 2\n")
    expect(r.stderr).toBe(
      `skyporter import: cannot create ${path.join(ro, "new.db")} in ${ro}: the filesystem is read-only (EROFS)\n` +
        "Run 'skyporter import --help' for usage.\n" +
        `skyporter import: cannot write ${path.join(ro, "archive.db")}: the filesystem is read-only (EROFS)\n` +
        "Run 'skyporter import --help' for usage.\n"
    )
    expect(readdirSync(ro)).toEqual(["archive.db"])
    expect(fileHash(path.join(ro, "archive.db"))).toBe(before)
  })

  it.skipIf(!canRunAsNobody())("a --db in a folder this user may not write: exit 2, nothing made", async () => {
    chmodSync(dir, 0o755)
    const closed = path.join(dir, "closed")
    mkdirSync(closed, { mode: 0o755 })
    writeArchive(path.join(closed, "archive.db"), generatePosts(DID, 3))
    chmodSync(path.join(closed, "archive.db"), 0o666)
    const before = fileHash(path.join(closed, "archive.db"))
    const created = await startAsNobody(["import", "--car", car, "--db", path.join(closed, "new.db")], { cwd: "/" })
      .done
    expect(created.code, show(created)).toBe(2)
    expect(created.stderr).toBe(
      `skyporter import: cannot create ${path.join(closed, "new.db")} in ${closed}: permission denied (EACCES)\n` +
        "Run 'skyporter import --help' for usage.\n"
    )
    // The archive itself is writable, but SQLite's journal goes beside it.
    const existing = await startAsNobody(["import", "--car", car, "--db", path.join(closed, "archive.db")], {
      cwd: "/"
    }).done
    expect(existing.code, show(existing)).toBe(2)
    expect(existing.stderr).toBe(
      `skyporter import: cannot write ${path.join(closed, "archive.db")}: its folder ${closed} takes no new files ` +
        "(SQLite's journal): permission denied (EACCES)\nRun 'skyporter import --help' for usage.\n"
    )
    expect(readdirSync(closed)).toEqual(["archive.db"])
    expect(fileHash(path.join(closed, "archive.db"))).toBe(before)
  })
})
