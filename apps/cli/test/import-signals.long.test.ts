/**
 * SIGINT / SIGTERM in the middle of `skyporter import` of a real repository
 * CAR (written by @atproto/repo), run through the launcher as users run it:
 * exit 130, the archive byte for byte as it was (a new one not created), and
 * no journal, copied blob, folder or temporary file left behind. Posts are
 * written one per step (the hidden --batch-size), so the import is stopped
 * (SIGSTOP) part-way with its transaction open and blobs copied, checked,
 * then sent the signal.
 */
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import { signalWhileLocked } from "./faults/helpers.js"
import { holdsOpen, listTree, removeDir, run, type Running, show, start, tempDir, waitFor } from "./support.js"

const POSTS = 3_000

let dir = ""
let car = ""
let blobsDir = ""
beforeAll(async () => {
  dir = tempDir()
  const built = await Repos.build(Repos.catalog(POSTS - 14))
  car = path.join(dir, "repo.car")
  writeFileSync(car, built.car)
  blobsDir = path.join(dir, "blobs")
  mkdirSync(blobsDir)
  for (const b of built.blobs) writeFileSync(path.join(blobsDir, b.cid), b.bytes)
}, 180_000)
afterAll(() => removeDir(dir))

const fileHash = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex")

/** A folder `name` holding a seeded archive, and the archive's hash. */
const seeded = async (name: string) => {
  const folder = path.join(dir, name)
  mkdirSync(folder)
  const db = path.join(folder, "archive.db")
  const r = await run(["seed", "--db", db, "--posts", "50"], { cwd: dir })
  expect(r.code, show(r)).toBe(0)
  return { folder, db, before: fileHash(db) }
}

const importArgs = (db: string) => ["import", "--car", car, "--db", db, "--blobs", blobsDir, "--batch-size", "1"]

describe.each(["SIGINT", "SIGTERM"] as const)("%s during an import", (signal) => {
  it("mid-write: exits 130, the archive as it was, no journal, blob copy or folder left", async () => {
    const { folder, db, before } = await seeded(`existing-${signal}`)
    const treeBefore = listTree(folder)

    const running = start(importArgs(db), { cwd: dir })
    let exited = false
    void running.done.then(() => (exited = true))
    try {
      await waitFor(
        "progress on stderr and a blob copied",
        () =>
          exited ||
          (/^import: \d+\/\d+ posts/m.test(running.stderr()) &&
            listTree(folder).some((p) => p.startsWith("media/") && p.endsWith(".jpg"))),
        120_000
      )
      running.child.kill("SIGSTOP")
      expect(exited, "the import ended before it could be stopped").toBe(false)
      // Stopped part-way: the transaction is open and blob files are in place.
      expect(existsSync(`${db}-journal`) || existsSync(`${db}-wal`)).toBe(true)
      expect(running.stderr()).not.toMatch(/^imported /m)
      running.child.kill(signal)
      running.child.kill("SIGCONT")
      const r = await running.done
      expect(r.code, show(r)).toBe(130)
      expect(r.signal).toBe(null)
      expect(r.stdout, show(r)).toBe("")
      expect(r.stderr).toContain(`skyporter import: interrupted; ${db} was left as it was`)
      expect(r.stderr).not.toMatch(/unexpected error/)
      expect(fileHash(db)).toBe(before)
      expect(listTree(folder)).toEqual(treeBefore)
    } finally {
      if (!exited) {
        running.child.kill("SIGKILL")
        running.child.kill("SIGCONT")
      }
    }
  }, 240_000)

  it("while it waits for a locked archive: exits 130 at once, the archive as it was", async () => {
    const { folder, db, before } = await seeded(`locked-${signal}`)
    await signalWhileLocked(db, "hold", importArgs(db), signal, (r) => {
      expect(r.stderr).toContain(`skyporter import: interrupted; ${db} was left as it was`)
      // The holder's own write is not committed yet: the file is as it was before the lock.
      expect(fileHash(db)).toBe(before)
    })
    expect(listTree(folder)).toEqual(["archive.db"])
  }, 240_000)

  it("while its write waits for another process's write to the archive: exits 130 at once, the archive as it was", async () => {
    const { folder, db, before } = await seeded(`reserved-${signal}`)
    // BEGIN IMMEDIATE lets readers in: the --db check passes, and the wait is the import's own BEGIN IMMEDIATE.
    // The check's connection is closed before the verifying line, so the archive open after it is the writer's.
    const atBegin = (running: Running) =>
      /^import: verifying /m.test(running.stderr()) && holdsOpen(running.child.pid, db)
    await signalWhileLocked(
      db,
      "hold-reserved",
      importArgs(db),
      signal,
      (r) => {
        expect(r.stderr).toContain(`skyporter import: interrupted; ${db} was left as it was`)
        expect(fileHash(db)).toBe(before)
      },
      atBegin
    )
    expect(listTree(folder)).toEqual(["archive.db"])
  }, 240_000)

  it("while the CAR is verified: exits 130 and creates no archive", async () => {
    const folder = path.join(dir, `new-${signal}`)
    mkdirSync(folder)
    const db = path.join(folder, "archive.db")
    const running = start(importArgs(db), { cwd: dir })
    let exited = false
    void running.done.then(() => (exited = true))
    try {
      await waitFor("the verifying line", () => exited || /^import: verifying /m.test(running.stderr()), 120_000)
      expect(exited, "the import ended before the signal could be sent").toBe(false)
      running.child.kill(signal)
      const r = await running.done
      expect(r.code, show(r)).toBe(130)
      expect(r.stdout, show(r)).toBe("")
      expect(r.stderr).toContain(`skyporter import: interrupted; no archive was created at ${db}`)
      expect(r.stderr).not.toMatch(/unexpected error/)
      expect(listTree(folder)).toEqual([])
    } finally {
      if (!exited) running.child.kill("SIGKILL")
    }
  }, 240_000)
})
