/**
 * Entry times: what python's zipfile and Info-ZIP's unzip read from the
 * local and central headers and the extended-timestamp field (0x5455).
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, utimesSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { ZipWriter } from "../dist/index.js"
import { tempDir, unzipTest } from "./helpers.js"

interface Times {
  readonly name: string
  /** The DOS date and time of the central header, as zipfile reads them. */
  readonly central: [number, number, number, number, number, number]
  /** The same fields of the local header. */
  readonly local: [number, number, number, number, number, number]
  /** The modification time of the extended-timestamp field (Unix seconds), when there is one. */
  readonly unix: number | null
}

// Reads both headers of every entry with python's zipfile and struct, independently of the writer.
const READ_TIMES = `
import json, struct, sys, zipfile
def dos(date, time):
    return [(date >> 9) + 1980, (date >> 5) & 15, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2]
def unix(extra):
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[at:at + 4])
        if kind == 0x5455 and size >= 5 and extra[at + 4] & 1:
            return struct.unpack("<I", extra[at + 5:at + 9])[0]
        at += 4 + size
    return None
out = []
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[1], "rb") as f:
    for info in z.infolist():
        f.seek(info.header_offset)
        head = f.read(30)
        time, date = struct.unpack("<HH", head[10:14])
        out.append({"name": info.filename, "central": list(info.date_time), "local": dos(date, time), "unix": unix(info.extra)})
print(json.dumps(out))
`

const readTimes = (file: string): Array<Times> =>
  JSON.parse(execFileSync("python3", ["-c", READ_TIMES, file], { encoding: "utf8" }))

const fields = (d: Date): [number, number, number, number, number, number] => [
  d.getUTCFullYear(),
  d.getUTCMonth() + 1,
  d.getUTCDate(),
  d.getUTCHours(),
  d.getUTCMinutes(),
  d.getUTCSeconds() & ~1
]

describe("ZIP entry times", () => {
  it("a folder's archive carries each file's own time by default, never 1980-01-01", async () => {
    const dir = tempDir()
    const tree = path.join(dir, "export")
    mkdirSync(path.join(tree, "media"), { recursive: true })
    writeFileSync(path.join(tree, "posts.json"), "[]\n")
    writeFileSync(path.join(tree, "media", "a.jpg"), "jpeg")
    const when = new Date(Date.UTC(2024, 4, 6, 7, 8, 11))
    for (const p of ["posts.json", "media/a.jpg", "media", ""]) utimesSync(path.join(tree, p), when, when)
    const file = path.join(dir, "out.zip")
    await Effect.runPromise(ZipWriter.writeFile(ZipWriter.zipDirectory(tree), file))
    unzipTest(file)
    const times = readTimes(file)
    expect(times.map((t) => t.name)).toEqual(["media/", "media/a.jpg", "posts.json"])
    for (const t of times) {
      expect(t.central, t.name).toEqual(fields(when))
      expect(t.local, t.name).toEqual(fields(when))
      expect(t.unix, t.name).toBe(when.getTime() / 1000)
    }
    const listing = execFileSync("unzip", ["-l", file], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } })
    expect(listing).toMatch(/2024-05-06 07:08 +posts\.json/)
    expect(listing).not.toMatch(/1980/)
  })

  it("a given time (the export's) goes on every entry; content in memory defaults to the time of writing", async () => {
    const dir = tempDir()
    const tree = path.join(dir, "export")
    mkdirSync(tree)
    writeFileSync(path.join(tree, "posts.csv"), "a\n")
    const exportTime = new Date(Date.UTC(2026, 11, 6, 6, 41, 45))
    const fixed = path.join(dir, "fixed.zip")
    await Effect.runPromise(ZipWriter.writeFile(ZipWriter.zipDirectory(tree, { mtime: exportTime }), fixed))
    expect(readTimes(fixed)).toEqual([
      { name: "posts.csv", central: fields(exportTime), local: fields(exportTime), unix: exportTime.getTime() / 1000 }
    ])

    const before = Math.floor(Date.now() / 1000)
    const memory = path.join(dir, "memory.zip")
    await Effect.runPromise(ZipWriter.writeFile(ZipWriter.stream([{ name: "note.txt", bytes: "hi" }]), memory))
    const after = Math.ceil(Date.now() / 1000)
    const [note] = readTimes(memory)
    expect(note!.unix).toBeGreaterThanOrEqual(before)
    expect(note!.unix).toBeLessThanOrEqual(after)
    expect(note!.central[0]).toBeGreaterThanOrEqual(2026)
  })
})
