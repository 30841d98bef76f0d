/**
 * Read-only archives, made read-only for real: a read-only bind mount (the
 * kernel refuses every write, root's too: `mount -o remount,bind,ro` in a
 * private mount namespace), and a read-only file or folder for an
 * unprivileged user (the CLI run as `nobody` through `setpriv`). Tests this
 * machine cannot set up are skipped and say why.
 *
 * The export succeeds with exactly the bytes of a writable copy's export,
 * prints nothing but progress, leaves the archive's bytes and folder as they
 * were and adds no index (each thread has SQLite sort the keys). A
 * WAL-mode archive reads fine from a read-only folder when its -shm file is
 * there; without it SQLite cannot read it at all, and the export says so
 * and what to do.
 */
import Database from "better-sqlite3"
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  COLUMNS,
  exportOk,
  generatePosts,
  readExport,
  removeDir,
  type RunResult,
  sha256,
  show,
  tempDir,
  tempEntries,
  writeArchive
} from "../support.js"
import { canMount, canRunAsNobody, entries, NOBODY, startAsNobody, startInNamespace } from "./helpers.js"

const DID = "did:plc:readonlyarchive"
const POSTS = 3_000

let dir: string
let expected: Buffer

beforeAll(async () => {
  dir = tempDir()
  chmodSync(dir, 0o755) // nobody must reach the archives below
  // The export of a writable copy: what every read-only export must equal.
  const writable = path.join(dir, "writable.db")
  writeArchive(writable, generatePosts(DID, POSTS))
  expected = readExport(
    await exportOk(["--db", writable, "--did", DID, "--out", path.join(dir, "reference"), "--quiet"], {
      cwd: dir
    }),
    "json"
  ).data
}, 120_000)

afterAll(() => removeDir(dir))

/** A folder holding a fresh archive without the export index (and, for WAL, its -wal/-shm files as given). */
const archiveFolder = (name: string): { readonly folder: string; readonly db: string } => {
  const folder = path.join(dir, name)
  mkdirSync(folder)
  const db = path.join(folder, "archive.db")
  writeArchive(db, generatePosts(DID, POSTS))
  return { folder, db }
}

const snapshot = (folder: string) =>
  Object.fromEntries(entries(folder).map((f) => [f, sha256(readFileSync(path.join(folder, f)))]))

const indexes = (db: string): Array<string> => {
  const c = new Database(db, { readonly: true })
  try {
    return c
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%skyporter%'")
      .pluck()
      .all() as Array<string>
  } finally {
    c.close()
  }
}

/** Progress lines only: nothing about permissions, read-only files, indexes or warnings. */
const expectQuietSuccess = (r: RunResult) => {
  expect(r.code, show(r)).toBe(0)
  for (const line of r.stderr.split("\n").filter((l) => l !== "")) {
    expect(line, show(r)).toMatch(
      /^json: \d+\/\d+ posts \(\d+%\), \d+ posts\/s(?:, ETA \S+)?$|^json: \d+ posts in [\d.]+s \(\d+ posts\/s\)$/
    )
  }
  const { data, manifest } = readExport(r.stdout.trim(), "json")
  expect(manifest.post_count).toBe(POSTS)
  expect(manifest.warnings.count).toBe(0)
  expect(data.equals(expected), "differs from the export of a writable copy").toBe(true)
}

/**
 * Bind-mounts $1 read-only over itself, proves a write fails, then runs the
 * export (arguments after $1) with the output outside the mount.
 */
const READ_ONLY_MOUNT = `
src="$1"; shift
mount --bind "$src" "$src" && mount -o remount,bind,ro "$src" || exit 99
if touch "$src/write-probe" 2>/dev/null; then exit 98; fi
exec "$NODE" "$SKYPORTER" "$@"
`

const exportOnReadOnlyMount = (folder: string, db: string, name: string) =>
  startInNamespace(
    READ_ONLY_MOUNT,
    [folder, "export", "--db", db, "--did", DID, "--out", path.join(dir, `out-${name}`)],
    {
      cwd: dir
    }
  ).done

describe.skipIf(!canMount())("a read-only filesystem (read-only bind mount, refused even to root)", () => {
  it("exports from sorted keys, adds no index, changes nothing, prints only progress", async () => {
    const { db, folder } = archiveFolder("ro-mount")
    const before = snapshot(folder)
    const r = await exportOnReadOnlyMount(folder, db, "ro-mount")
    expect(r.code, show(r)).not.toBe(98)
    expectQuietSuccess(r)
    expect(snapshot(folder)).toEqual(before)
    expect(indexes(db)).toEqual([])
  }, 120_000)

  it("a WAL archive with its -wal and -shm files: reads the committed rows of the WAL too", async () => {
    const folder = path.join(dir, "ro-wal")
    mkdirSync(folder)
    const db = path.join(folder, "archive.db")
    // Half the posts live only in the WAL, not yet checkpointed, when the files are copied.
    const source = path.join(dir, "wal-source.db")
    const rows = generatePosts(DID, POSTS)
    writeArchive(source, rows.slice(0, POSTS / 2), { wal: true })
    const writer = new Database(source)
    writer.pragma("wal_autocheckpoint = 0")
    const insert = writer.prepare(
      `INSERT INTO posts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`
    )
    writer.transaction(() => {
      for (const row of rows.slice(POSTS / 2)) insert.run(row)
    })()
    for (const suffix of ["", "-wal", "-shm"]) copyFileSync(source + suffix, db + suffix)
    writer.close()
    expect(entries(folder)).toEqual(["archive.db", "archive.db-shm", "archive.db-wal"])
    const before = snapshot(folder)
    const r = await exportOnReadOnlyMount(folder, db, "ro-wal")
    expectQuietSuccess(r)
    expect(snapshot(folder)).toEqual(before)
  }, 120_000)

  it("a WAL archive without its -shm file cannot be read: exit 2 at once, saying why and what to do", async () => {
    const { db, folder } = archiveFolder("ro-wal-noshm")
    const c = new Database(db)
    c.pragma("journal_mode = WAL")
    c.close() // a clean close checkpoints and removes -wal and -shm
    expect(entries(folder)).toEqual(["archive.db"])
    const r = await exportOnReadOnlyMount(folder, db, "ro-wal-noshm")
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(
      /archive\.db: it is in WAL mode and its folder is read-only, so SQLite cannot create the archive\.db-shm file/
    )
    expect(r.stderr).toMatch(/Copy the archive \(with its -wal file, if any\) to a writable folder/)
    expect(r.stdout).toBe("")
    expect(tempEntries(path.join(dir, "out-ro-wal-noshm"))).toEqual([])
  }, 120_000)
})

describe.skipIf(!canRunAsNobody())("read-only for an unprivileged user (the CLI run as nobody)", () => {
  const exportAsNobody = (db: string, name: string) => {
    const out = path.join(dir, `out-${name}`)
    mkdirSync(out)
    chownSync(out, NOBODY, NOBODY)
    return startAsNobody(["export", "--db", db, "--did", DID, "--out", out], { cwd: out }).done
  }

  it.each([
    ["a read-only folder", "ro-perms", (folder: string) => chmodSync(folder, 0o555)],
    ["a folder the user may write", "ro-file", (folder: string) => chownSync(folder, NOBODY, NOBODY)]
  ] as const)(
    "a read-only file in %s: exports, adds no index, changes nothing (no journal)",
    async (_name, name, setFolder) => {
      const { db, folder } = archiveFolder(name)
      chmodSync(db, 0o444)
      setFolder(folder)
      const before = snapshot(folder)
      const r = await exportAsNobody(db, name)
      expectQuietSuccess(r)
      expect(snapshot(folder)).toEqual(before)
      expect(indexes(db)).toEqual([])
    },
    120_000
  )
})
