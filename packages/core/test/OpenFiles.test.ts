import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as OpenFiles from "../dist/internal/OpenFiles.js"
import { archive, posts, tempDir } from "./helpers.js"

const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3")

/** Whether another process can write `file` now (no waiting on its lock). */
const writableElsewhere = (file: string): boolean => {
  const script = `
    const Database = require(${JSON.stringify(betterSqlite3)})
    const db = new Database(${JSON.stringify(file)}, { timeout: 0 })
    try { db.exec("UPDATE posts SET text = 'changed'"); process.exit(0) } catch (e) { process.exit(e.code === "SQLITE_BUSY" ? 3 : 1) }
  `
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" })
  if (result.status !== 0 && result.status !== 3) throw new Error(result.stderr)
  return result.status === 0
}

describe("OpenFiles", () => {
  it("keeps the locks of this process's connections when a reader is done with the file", () => {
    const file = archive(posts(3))
    const reader = new Database(file, { readonly: true })
    reader.exec("BEGIN")
    reader.prepare("SELECT COUNT(*) FROM posts").get()
    expect(writableElsewhere(file)).toBe(false)
    const fd = OpenFiles.acquire(file)
    fs.readSync(fd, Buffer.alloc(100), 0, 100, 0)
    OpenFiles.release(fd)
    // The reader's shared lock still keeps the writer out.
    expect(writableElsewhere(file)).toBe(false)
    // What a descriptor of its own would have done: closing it drops the process's locks.
    fs.closeSync(fs.openSync(file, "r"))
    expect(writableElsewhere(file)).toBe(true)
    reader.close()
  })

  it("gives every user of a file one descriptor, closed once the file is deleted and nobody uses it", () => {
    const file = path.join(tempDir(), "a.db")
    fs.writeFileSync(file, "x")
    const fd = OpenFiles.acquire(file)
    expect(OpenFiles.acquire(file)).toBe(fd)
    fs.rmSync(file)
    OpenFiles.release(fd)
    expect(() => fs.fstatSync(fd)).not.toThrow()
    OpenFiles.release(fd)
    expect(() => fs.fstatSync(fd)).toThrow(/EBADF/)
  })
})
