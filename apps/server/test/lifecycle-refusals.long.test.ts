/**
 * More ways `skyporter serve` refuses to start, each as a process: exit 2,
 * the reason on stderr, nothing on stdout. lifecycle.test.ts keeps one of
 * each kind as a process and checks these messages in-process.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { seededArchive, serveRefused, tree } from "./support.js"

const fixture = seededArchive()

describe("skyporter serve refuses before listening", () => {
  it("a non-loopback host without --auth", () => {
    const out = path.join(fixture.dir, "refused")
    for (const host of ["::", "192.0.2.10"]) {
      const r = serveRefused(["--db", fixture.db, "--out", out, "--host", host, "--port", "0"])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(`refusing to listen on ${host} without --auth`)
      expect(r.stdout).toBe("")
    }
    expect(tree(out)).toEqual([])
  })

  it("a missing auth file, and a bad --max-running, --port or --max-upload", () => {
    const out = path.join(fixture.dir, "refused")
    const cases: Array<[Array<string>, RegExp]> = [
      [["--auth", path.join(fixture.dir, "missing.json")], /cannot read the file/],
      [["--max-running", "0"], /--max-running/],
      [["--port", "70000"], /--port/],
      [["--max-upload", "lots"], /--max-upload/]
    ]
    for (const [args, message] of cases) {
      const r = serveRefused(["--db", fixture.db, "--out", out, "--port", "0", ...args])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(message)
    }
  })

  it("an --out that cannot be used, naming it and the reason", () => {
    const file = path.join(fixture.dir, "a-file")
    writeFileSync(file, "x")
    const cases: Array<[string, RegExp]> = [[path.join(file, "below"), /it is a file, or under a file/]]
    if (existsSync("/proc/self")) cases.push(["/proc/nope", /cannot be created there/])
    if (process.getuid?.() !== 0) {
      const locked = path.join(fixture.dir, "locked")
      mkdirSync(locked, { recursive: true })
      chmodSync(locked, 0o555)
      cases.push([path.join(locked, "out"), /permission denied/])
    }
    for (const [out, reason] of cases) {
      const started = Date.now()
      const r = serveRefused(["--db", fixture.db, "--out", out, "--port", "0"])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(`--out ${out}`)
      expect(r.stderr).toMatch(reason)
      expect(r.stdout).toBe("")
      expect(Date.now() - started).toBeLessThan(30_000)
    }
  })

  it("refuses an --upload-idle-ms under 1 (every upload would time out at once): exit 2, saying what it allows", () => {
    expectRefused("--upload-idle-ms", ["0", "-5", "1.5", "soon"], "an integer of 1 or more (milliseconds)")
  })

  it("refuses a --keep-alive-ms under 1 (keep-alive comments without pause) or over a day: exit 2, saying what it allows", () => {
    expectRefused(
      "--keep-alive-ms",
      ["0", "-5", "86400001", "1.5", "soon"],
      "an integer from 1 to 86400000 (milliseconds)"
    )
  })
})

/** Each value of `flag` stops `serve` before it listens: exit 2, the flag and what it allows on stderr. */
const expectRefused = (flag: string, values: ReadonlyArray<string>, allowed: string) => {
  const out = path.join(fixture.dir, `refused${flag}`)
  for (const value of values) {
    const r = serveRefused(["--db", fixture.db, "--out", out, "--port", "0", flag, value])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(flag)
    expect(r.stderr).toContain(allowed)
    expect(r.stdout).toBe("")
  }
  expect(tree(out)).toEqual([])
}
