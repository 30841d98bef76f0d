/**
 * `skyporter serve` as a process: what it refuses to start with, SIGTERM
 * cancelling running and queued exports with nothing left on disk, and a
 * restart finding the published exports under the same ids.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import * as path from "node:path"
import { FormatRegistry } from "@skyporter/core"
import { Effect, Fiber } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Server from "../src/Server.js"
import {
  DID_A,
  DID_B,
  expectStopsOn,
  finished,
  POSTS,
  readEvents,
  request,
  seededArchive,
  serve,
  serveRefused,
  startExport,
  temporaries,
  tree
} from "./support.js"

const fixture = seededArchive()
let registry: FormatRegistry.FormatRegistryShape
beforeAll(async () => {
  registry = await Effect.runPromise(FormatRegistry.make([]))
})

describe("skyporter serve", () => {
  it("refuses a non-loopback host without --auth, an unusable auth file, archive or --out before listening: exit 2, a clear message", () => {
    // More variants of each, started the same way: lifecycle-refusals.long.test.ts; their messages in-process below.
    const out = path.join(fixture.dir, "refused")
    const host = serveRefused(["--db", fixture.db, "--out", out, "--host", "0.0.0.0", "--port", "0"])
    expect(host.code, host.stderr).toBe(2)
    expect(host.stderr).toContain("refusing to listen on 0.0.0.0 without --auth")
    expect(host.stdout).toBe("")
    expect(tree(out)).toEqual([])

    const secret = "s3cret-token-value-123456"
    const bad = path.join(fixture.dir, "bad-auth.json")
    writeFileSync(bad, JSON.stringify({ tokens: [{ token: secret, did: "not-a-did" }] }))
    const auth = serveRefused(["--db", fixture.db, "--out", out, "--port", "0", "--auth", bad])
    expect(auth.code, auth.stderr).toBe(2)
    expect(auth.stderr).toMatch(/tokens\[0\]\.did must be a DID/)
    expect(auth.stderr).not.toContain(secret)

    const notArchive = path.join(fixture.dir, "not-an-archive.db")
    writeFileSync(notArchive, "hello")
    expect(serveRefused(["--db", notArchive, "--out", out, "--port", "0"]).code).toBe(2)

    const file = path.join(fixture.dir, "a-file")
    writeFileSync(file, "x")
    const started = Date.now()
    const r = serveRefused(["--db", fixture.db, "--out", file, "--port", "0"])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`--out ${file}`)
    expect(r.stderr).toMatch(/it is a file/)
    expect(r.stdout).toBe("")
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it("names each unusable host, auth file, option, archive and --out in its refusal, before listening (in-process)", async () => {
    const out = path.join(fixture.dir, "refused-in-process")
    const refusal = (options: Partial<Server.ServeOptions>) =>
      Effect.runPromise(
        Effect.flip(Server.run({ db: fixture.db, out, port: 0, registry, onListening: listened, ...options }))
      )
    const listened = () => {
      throw new Error("it listened")
    }
    for (const host of ["::", "192.0.2.10"]) {
      expect((await refusal({ host })).message).toContain(`refusing to listen on ${host} without --auth`)
    }
    expect((await refusal({ authFile: path.join(fixture.dir, "missing.json") })).message).toMatch(
      /cannot read the file/
    )
    expect((await refusal({ maxRunning: 0 })).message).toMatch(/--max-running/)
    expect((await refusal({ port: 70_000 })).message).toMatch(/--port/)
    for (const threads of [0, 33, 1.5]) {
      expect((await refusal({ threads })).message).toBe(`invalid --threads ${threads}: expected 1 to 32`)
    }
    expect((await refusal({ maxUpload: "lots" })).message).toContain("--max-upload")
    for (const uploadIdleMillis of [0, -1, 0.5]) {
      expect((await refusal({ uploadIdleMillis })).message).toBe(
        `invalid --upload-idle-ms ${uploadIdleMillis}: expected an integer of 1 or more (milliseconds)`
      )
    }
    for (const keepAliveMillis of [0, -1, 0.5, 86_400_001]) {
      expect((await refusal({ keepAliveMillis })).message).toBe(
        `invalid --keep-alive-ms ${keepAliveMillis}: expected an integer from 1 to 86400000 (milliseconds)`
      )
    }
    expect(tree(out)).toEqual([])
    const notAnArchive = path.join(fixture.dir, "not-an-archive.db")
    writeFileSync(notAnArchive, "not SQLite")
    for (const db of [path.join(fixture.dir, "missing.db"), notAnArchive]) {
      expect((await refusal({ db })).message).toContain(db)
      expect(existsSync(out), "no output folder for a server that never started").toBe(false)
    }
    const file = path.join(fixture.dir, "a-file")
    writeFileSync(file, "x")
    const outs: Array<[string, RegExp]> = [[path.join(file, "below"), /it is a file, or under a file/]]
    if (existsSync("/proc/self")) outs.push(["/proc/nope", /cannot be created there/])
    if (process.getuid?.() !== 0) {
      const locked = path.join(fixture.dir, "locked")
      mkdirSync(locked, { recursive: true })
      chmodSync(locked, 0o555)
      outs.push([path.join(locked, "out"), /permission denied/])
    }
    for (const [folder, reason] of outs) {
      const e = await refusal({ out: folder })
      expect(e.message).toContain(`--out ${folder}`)
      expect(e.message).toMatch(reason)
    }
  })

  it("answers a bug with 500 internal_error and logs it, with its cause, on the server's log (in-process)", async () => {
    // A registry that fails when its formats are read: a bug behind GET /api/formats.
    const broken = Object.create(registry, {
      formats: {
        get: () => {
          throw new Error("the registry broke")
        }
      }
    }) as FormatRegistry.FormatRegistryShape
    const lines: Array<string> = []
    let listened: (url: string) => void = () => {}
    const listening = new Promise<string>((resolve) => (listened = resolve))
    const fiber = Effect.runFork(
      Server.run({
        db: fixture.db,
        out: path.join(fixture.dir, "internal-error-out"),
        port: 0,
        registry: broken,
        onListening: (url) => listened(url),
        log: (line) => lines.push(line)
      })
    )
    try {
      const url = await listening
      const r = await request(url, "GET", "/api/formats")
      expect(r.status, r.text).toBe(500)
      expect(r.body).toEqual({ error: { code: "internal_error", message: "internal error" } })
      expect(r.text).not.toContain("the registry broke")
      const logged = lines.filter((l) => l.startsWith("internal error on GET /api/formats"))
      expect(logged).toHaveLength(1)
      expect(logged[0]).toContain("the registry broke")
      // Other requests are not logged line by line.
      expect((await request(url, "GET", "/healthz")).status).toBe(200)
      expect(lines.filter((l) => l.includes("/healthz"))).toEqual([])
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
    }
  })

  it("stops on SIGINT and SIGTERM while it is still loading", async () => {
    // Every phase of start-up, signal by signal: startup-signals.long.test.ts.
    const out = path.join(fixture.dir, "signals")
    for (const signal of ["SIGINT", "SIGTERM"] as const) await expectStopsOn(signal, 0, fixture.db, out)
    expect(temporaries(out)).toEqual([])
  })

  it("cancels running and queued exports on SIGTERM, leaves nothing temporary and exits; a restart finds the published export under its id, and sweeps dead leftovers at start", async () => {
    const out = path.join(fixture.dir, "sigterm")
    // Batches of POSTS: each export is one batch, on the server's own thread. A slowjson export
    // writes its posts after 200 ms, then waits 60 s before its end: running, with its files, at SIGTERM.
    const first = await serve({
      db: fixture.db,
      out,
      slow: true,
      batchSize: POSTS,
      args: ["--max-running", "1"],
      env: { SKYPORTER_TEST_DELAY_MS: "200", SKYPORTER_TEST_END_DELAY_MS: "60000" }
    })
    const a = await startExport(first.url, { did: DID_A, format: "json" })
    expect(await finished(first.url, a.id)).toBe("completed")
    const before = (await request(first.url, "GET", `/api/exports/${a.id}`)).body
    const published = tree(out)

    const running = await startExport(first.url, { did: DID_A, format: "slowjson" })
    const queued = await startExport(first.url, { did: DID_B, format: "slowjson" })
    const watchers = [running, queued].map((job) => readEvents(first.url, `/api/exports/${job.id}/events`))
    for (let i = 0; i < 200; i++) {
      const r = await request(first.url, "GET", `/api/exports/${running.id}`)
      if (r.body.progress.posts_processed > 0) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(temporaries(out).length).toBeGreaterThan(0) // the running export's files
    const started = Date.now()
    const code = await first.stop("SIGTERM")
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(code).toBe(130)
    const seen = await Promise.all(watchers)
    for (const w of seen) expect(w.events[w.events.length - 1]!.event).toBe("cancelled")
    expect(temporaries(out)).toEqual([])
    // Nothing of the cancelled exports: only the published one.
    expect(tree(out)).toEqual(published)

    // Leftovers of a killed process on this host (pid 999999999 never runs).
    const host =
      hostname()
        .replace(/[^A-Za-z0-9.-]/g, "-")
        .slice(0, 32) || "host"
    const dead = `.skyporter-tmp-${host}-999999999-1-0badc0de`
    mkdirSync(path.join(out, dead))
    mkdirSync(path.join(out, DID_A, dead))
    writeFileSync(path.join(out, DID_A, dead, "posts.json"), "[")

    const second = await serve({ db: fixture.db, out, batchSize: POSTS })
    try {
      expect(temporaries(out)).toEqual([])
      const list = await request(second.url, "GET", "/api/exports")
      expect(list.body.exports.map((e: any) => e.id)).toEqual([a.id])
      const after = (await request(second.url, "GET", `/api/exports/${a.id}`)).body
      expect(after.manifest).toEqual(before.manifest)
      expect({ ...after, started_at: null }).toEqual({ ...before, started_at: null })
      const late = await readEvents(second.url, `/api/exports/${a.id}/events`)
      expect(late.events.map((e) => e.event)).toEqual(["completed"])
      expect((await fetch(new URL(`/api/exports/${a.id}/download`, second.url))).status).toBe(200)
      // A port in use: a clear message, exit 1 (no fault of the command line: no usage hint).
      const busy = serveRefused(["--db", fixture.db, "--out", out, "--port", new URL(second.url).port])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toMatch(/^skyporter serve: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE[^\n]*\n$/)
    } finally {
      await second.stop()
    }
  })
})
