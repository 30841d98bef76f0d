/**
 * The database changes or fails under a running export (20,000 posts, 200
 * slow batches; each fault strikes after batch 3 was written):
 *
 * - the file is deleted, renamed, or replaced by another archive: Linux keeps
 *   the open file alive, so the export completes from its snapshot, byte for
 *   byte the export of the untouched archive;
 * - the file is overwritten in place with garbage pages or truncated: the
 *   export fails naming the batch it could not read, and publishes nothing;
 * - another process wants an exclusive lock: before the export starts, the
 *   export gives up after the busy timeout (exit 1, "locked"), or stops at
 *   once on SIGINT or SIGTERM while it waits (exit 130); while the
 *   export runs, the writer waits for the export — which completes from its
 *   snapshot — and commits after it.
 *
 * Never a hang (the busy timeout bounds every wait), never a partial file.
 */
import { ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync
} from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportDirs,
  exportOk,
  generatePosts,
  readExport,
  removeDir,
  type RunResult,
  show,
  start,
  tempDir,
  tempEntries,
  TEST_PLUGIN,
  waitFor,
  writeArchive
} from "../support.js"
import { locker, random, signalWhileLocked } from "./helpers.js"

const DID = "did:plc:troubleddatabase"
const POSTS = 20_000
const BATCHES = POSTS / 100

let dir: string
let template: string
let expected: Buffer

beforeAll(async () => {
  dir = tempDir()
  template = path.join(dir, "template.db")
  writeArchive(template, generatePosts(DID, POSTS))
  // The export of the untouched archive (which also adds the index, so every copy has it).
  expected = readExport(
    await exportOk(["--db", template, "--did", DID, "--out", path.join(dir, "reference"), "--quiet"], {
      cwd: dir
    }),
    "json"
  ).data
}, 120_000)

afterAll(() => removeDir(dir))

interface Faulted {
  readonly r: RunResult
  readonly out: string
  /** Batches the plugin had encoded when the export ended. */
  readonly batches: number
}

/** Copies the template to `<name>.db`, exports it slowly, and calls `fault` once batch 3 is written. */
const exportWithFault = async (
  name: string,
  fault: (db: string) => void | Promise<void>,
  wal = false
): Promise<Faulted> => {
  const db = path.join(dir, `${name}.db`)
  copyFileSync(template, db)
  if (wal) {
    const c = new Database(db)
    c.pragma("journal_mode = WAL")
    c.close()
  }
  const out = path.join(dir, `out-${name}`)
  const markers = path.join(dir, `markers-${name}`)
  mkdirSync(markers)
  const running = start(
    [
      "export",
      "--db",
      db,
      "--did",
      DID,
      "--out",
      out,
      "--format",
      "testjson",
      "--plugin",
      TEST_PLUGIN,
      "--batch-size",
      "100"
    ],
    { cwd: dir, env: { SKYPORTER_TEST_DELAY_MS: "10", SKYPORTER_TEST_MARKER_DIR: markers } }
  )
  let exited = false
  void running.done.then(() => (exited = true))
  try {
    await waitFor("batch 3 written", () => exited || existsSync(path.join(markers, "batch-3")), 120_000)
    expect(exited, "the export ended before the fault").toBe(false)
    await fault(db)
    const r = await running.done
    let batches = 0
    while (existsSync(path.join(markers, `batch-${batches + 1}`))) batches++
    return { r, out, batches }
  } finally {
    if (!exited) running.child.kill("SIGKILL")
  }
}

const expectCompletedFromSnapshot = ({ batches, out, r }: Faulted) => {
  expect(r.code, show(r)).toBe(0)
  expect(batches).toBe(BATCHES)
  const { data, manifest } = readExport(r.stdout.trim(), "json")
  expect(manifest.post_count).toBe(POSTS)
  expect(data.equals(expected), "the export differs from the untouched archive's").toBe(true)
  expect(tempEntries(out)).toEqual([])
}

const expectFailedAtBatch = ({ out, r }: Faulted) => {
  expect(r.code, show(r)).toBe(1)
  expect(r.stdout).toBe("")
  const m = /skyporter export: cannot read batch (\d+): (.+)/.exec(r.stderr)
  expect(m, show(r)).not.toBeNull()
  expect(Number(m![1])).toBeGreaterThan(3)
  expect(m![2]).toMatch(/malformed|corrupt|not a database|disk I\/O error/i)
  expect(r.stderr).not.toMatch(/unexpected error/)
  expect(exportDirs(out, DID), show(r)).toEqual([])
  expect(tempEntries(out), show(r)).toEqual([])
}

/** Overwrites every page but the first with seeded random bytes, in place (the same inode). */
const garble = (db: string) => {
  const fd = openSync(db, "r+")
  try {
    const next = random(7)
    const page = Buffer.alloc(4096)
    for (let at = 4096; at < fstatSync(fd).size; at += page.length) {
      for (let i = 0; i < page.length; i++) page[i] = Math.floor(next() * 256)
      writeSync(fd, page, 0, page.length, at)
    }
  } finally {
    closeSync(fd)
  }
}

describe("the archive file changes under a running export", () => {
  it("deleted: the open snapshot keeps working (Linux keeps an unlinked open file), the export completes", async () => {
    const f = await exportWithFault("deleted", (db) => unlinkSync(db))
    expectCompletedFromSnapshot(f)
  }, 180_000)

  it("deleted in WAL mode, with its -wal and -shm files: the export completes", async () => {
    const f = await exportWithFault(
      "deleted-wal",
      (db) => {
        for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true })
      },
      true
    )
    expectCompletedFromSnapshot(f)
  }, 180_000)

  it("renamed: the export completes from its snapshot", async () => {
    const f = await exportWithFault("renamed", (db) => renameSync(db, `${db}.moved`))
    expectCompletedFromSnapshot(f)
  }, 180_000)

  it("replaced by another archive (renamed over it): the export completes from the original snapshot", async () => {
    const f = await exportWithFault("replaced", (db) => {
      const other = `${db}.other`
      writeArchive(other, generatePosts(DID, 50, 99))
      renameSync(other, db)
    })
    expectCompletedFromSnapshot(f)
  }, 180_000)

  it("overwritten in place with garbage pages: exit 1 naming the batch, nothing published", async () => {
    const f = await exportWithFault("garbage", garble)
    expectFailedAtBatch(f)
  }, 180_000)

  it("truncated to a tenth in place: exit 1 naming the batch, nothing published", async () => {
    const f = await exportWithFault("truncated", (db) => truncateSync(db, Math.floor(statSync(db).size / 40960) * 4096))
    expectFailedAtBatch(f)
  }, 180_000)
})

describe("another process with an exclusive lock", () => {
  it("held before the export starts: exit 1 after the busy timeout, saying the archive is locked, nothing written", async () => {
    const db = path.join(dir, "locked.db")
    copyFileSync(template, db)
    const holder = locker(db, "hold")
    try {
      await waitFor("the lock", () => holder.lines().includes("locked"), 60_000)
      const out = path.join(dir, "out-locked")
      const r = await start(["export", "--db", db, "--did", DID, "--out", out], { cwd: dir }).done
      expect(r.code, show(r)).toBe(1)
      expect(r.stderr).toMatch(/locked\.db is locked by another process \(still locked after 5 s\): try again/)
      expect(r.stdout).toBe("")
      expect(exportDirs(out, DID)).toEqual([])
      expect(tempEntries(out)).toEqual([])
    } finally {
      holder.child.kill("SIGTERM")
      await holder.exited
    }
    expect(holder.lines()).toEqual(["locked", "released"])
  }, 120_000)

  it.each([
    ["SIGINT", "hold", "the archive cannot be read"],
    ["SIGTERM", "hold", "the archive cannot be read"],
    ["SIGINT", "hold-reserved", "the export-order index cannot be added"],
    ["SIGTERM", "hold-reserved", "the export-order index cannot be added"]
  ] as const)(
    "held before the export starts, %s while it waits (%s: %s): exit 130 at once, nothing written",
    async (signal, mode) => {
      const db = path.join(dir, `locked-${signal}-${mode}.db`)
      copyFileSync(template, db)
      if (mode === "hold-reserved") {
        const copy = new Database(db)
        copy.exec(`DROP INDEX ${ArchiveSchema.EXPORT_INDEX_NAME}`)
        copy.close()
      }
      const out = path.join(dir, `out-locked-${signal}-${mode}`)
      await signalWhileLocked(db, mode, ["export", "--db", db, "--did", DID, "--out", out], signal, (r) => {
        expect(r.stderr, show(r)).toMatch(/^skyporter export: interrupted; nothing was published$/m)
        expect(existsSync(out), show(r)).toBe(false)
      })
    },
    120_000
  )

  it.each([
    ["rollback journal", false, "take"],
    ["WAL, locking_mode EXCLUSIVE", true, "take-exclusive-mode"]
  ] as const)(
    "%s: requested mid-export, the writer waits for the export, which completes from its snapshot",
    async (_name, wal, mode) => {
      let writer: ReturnType<typeof locker> | undefined
      let writerDone: string | undefined
      // The export publishes before it lets go of its snapshot, so a writer that
      // waited for the snapshot finds the export published. (Watching for the
      // export's process to exit raced: the writer may commit between the
      // snapshot's release and the test seeing that exit.)
      const out = path.join(dir, `out-exclusive-${mode}`)
      const f = await exportWithFault(
        `exclusive-${mode}`,
        async (db) => {
          writer = locker(db, mode, "120000")
          await waitFor("the writer to try", () => writer!.lines().includes("trying"), 60_000)
          void writer.exited.then(
            () => (writerDone = exportDirs(out, DID).length > 0 ? "after the export" : "during the export")
          )
        },
        wal
      )
      expectCompletedFromSnapshot(f)
      await writer!.exited
      // The writer got its lock only once the export's snapshot was released.
      expect(writer!.lines()).toEqual(["trying", "committed"])
      expect(writerDone).toBe("after the export")
    },
    240_000
  )
})
