/**
 * Temporary directories left by a dead process on this host
 * (`.skyporter-tmp-<host>-<pid>-<start>-<hex>`) are removed by the next
 * export into the same output folder; those of a live process, of another
 * host, or not named by skyporter are kept.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportDirs, exportOk, generatePosts, readExport, removeDir, tempDir, writeArchive } from "./support.js"

const DID = "did:plc:sweeper"

/** This host as skyporter writes it in temporary names. */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, "-")
    .slice(0, 32) || "host"

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The pid of a process that has exited (and whose pid is not in use again). */
const deadPid = (): number => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const child = spawnSync(process.execPath, ["-e", ""])
    if (child.pid !== undefined && !isAlive(child.pid)) return child.pid
  }
  throw new Error("could not find a dead pid")
}

/** The start time (clock ticks since boot) of a process, from /proc; undefined off Linux. */
const processStart = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
  } catch {
    return undefined
  }
}

let dir: string
let db: string

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  writeArchive(db, generatePosts(DID, 12))
})

afterAll(() => removeDir(dir))

/** Creates a temporary directory with a partial file in it, as a killed export leaves it. */
const leftover = (out: string, did: string, name: string): string => {
  const p = path.join(out, did, name)
  mkdirSync(p, { recursive: true })
  writeFileSync(path.join(p, "posts.json"), '[\n  {"uri": "partial')
  return p
}

describe("stale temporary directories", () => {
  it("a dead process's leftovers are removed; a live process's are kept", async () => {
    const out = path.join(dir, "out")
    const dead = deadPid()
    const stale = leftover(out, DID, `.skyporter-tmp-${HOST}-${dead}-0-deadbeef`)
    const staleOtherDid = leftover(out, "did:plc:someoneelse", `.skyporter-tmp-${HOST}-${dead}-0-deadbee0`)
    const staleFile = path.join(out, DID, `.skyporter-tmp-${HOST}-${dead}-0-deadbee1.zip`)
    writeFileSync(staleFile, "partial zip")
    const live = leftover(out, DID, `.skyporter-tmp-${HOST}-${process.pid}-0-deadbeef`)
    const otherHost = leftover(
      out,
      DID,
      `.skyporter-tmp-${HOST === "elsewhere" ? "nowhere" : "elsewhere"}-${dead}-0-deadbeef`
    )
    const notOurs = leftover(out, DID, ".skyporter-tmp-handmade")

    const published = await exportOk(["--db", db, "--did", DID, "--out", out, "--quiet"], { cwd: dir })
    expect(readExport(published, "json").manifest.post_count).toBe(12)

    expect(existsSync(stale), "dead process's directory").toBe(false)
    expect(existsSync(staleOtherDid), "dead process's directory under another DID").toBe(false)
    expect(existsSync(staleFile), "dead process's temporary file").toBe(false)
    expect(existsSync(path.join(live, "posts.json")), "live process's directory").toBe(true)
    expect(existsSync(path.join(otherHost, "posts.json")), "another host's directory").toBe(true)
    expect(existsSync(path.join(notOurs, "posts.json")), "a name skyporter did not write").toBe(true)
    expect(exportDirs(out, DID)).toEqual([path.basename(published)])
  }, 120_000)

  it.skipIf(processStart(process.pid) === undefined)(
    "a live pid with its own start time is kept; the same pid with another start time (recycled) is removed",
    async () => {
      const out = path.join(dir, "out-start")
      const start = processStart(process.pid)!
      const mine = leftover(out, DID, `.skyporter-tmp-${HOST}-${process.pid}-${start}-0a0a0a0a`)
      const recycled = leftover(out, DID, `.skyporter-tmp-${HOST}-${process.pid}-${start + 12_345}-0b0b0b0b`)
      await exportOk(["--db", db, "--did", DID, "--out", out, "--quiet"], { cwd: dir })
      expect(existsSync(path.join(mine, "posts.json"))).toBe(true)
      expect(existsSync(recycled)).toBe(false)
    },
    120_000
  )
})
