/**
 * Where a command's code comes from (see launcher-runs.ts): an export in the
 * built-in formats, an import, a seed, `accounts` and a server without
 * plugins run from the bundle (dist/bundle/), reader threads too; an export
 * with plugins runs the installed modules. Every module that any thread loads
 * is recorded through `node --import`. A large archive's export starts again
 * in place, tuned. The other formats, the plugin and config flags, a large
 * archive's start with a heap size, arena count or SKYPORTER_TUNED given, a
 * large -wal file and a large CAR's import: launcher.long.test.ts.
 */
import Database from "better-sqlite3"
import { copyFileSync, truncateSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  asStarted,
  bundledLikeInstalled,
  canStartAgain,
  DID,
  dir,
  exportArgs,
  fromBundle,
  fx,
  logged,
  MODULE_LOG,
  newModuleLog,
  outside,
  POSTS,
  published,
  readModuleLog,
  readStarts,
  START_LOG,
  TUNED_EXPORT_BYTES,
  tunedStarts,
  useLargeArchive,
  useLauncherRuns
} from "./launcher-runs.js"
import { generatePosts, LAUNCHER, readExport, show, sleep, startCommand, waitFor, writeArchive } from "./support.js"

useLauncherRuns()

describe("the launcher", () => {
  // Its installed run also shows that a ./skyporter.config.json alone runs the installed modules.
  bundledLikeInstalled(["json"], { cwdConfig: true })

  it("an import runs from the bundle and writes the repository's posts", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(dir, "repo.car")
    writeFileSync(car, built.car)
    const db = path.join(dir, "imported.db")
    const r = await logged(["import", "--car", car, "--db", db, "--quiet"])
    expect(published(r.result)).toBe(db)
    expect(r.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    expect(r.modules.some((url) => url.endsWith("/dist/bundle/bin.js"))).toBe(true)
    const archive = new Database(db, { readonly: true })
    try {
      expect(archive.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(Repos.DID)).toBe(34)
    } finally {
      archive.close()
    }
  }, 60_000)

  it("seed runs from the bundle and writes the posts it reports", async () => {
    const db = path.join(dir, "seeded.db")
    const r = await logged(["seed", "--db", db, "--posts", "120", "--seed", "5"])
    const did = published(r.result)
    expect(r.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    const archive = new Database(db, { readonly: true })
    try {
      expect(archive.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(did)).toBe(120)
    } finally {
      archive.close()
    }
  }, 60_000)

  it("accounts runs from the bundle and lists the archive's accounts", async () => {
    const r = await logged(["accounts", "--db", fx.db, "--json"])
    expect(r.result.code, show(r.result)).toBe(0)
    expect(r.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    const accounts = JSON.parse(r.result.stdout) as Array<{ did: string; posts: number }>
    expect(accounts.find((a) => a.did === DID)?.posts).toBe(POSTS)
  }, 60_000)

  it("serve without plugins runs from the bundle, reader threads too, tuned as a long run: its page, and an export", async () => {
    const log = newModuleLog()
    const starts = path.join(dir, "serve-starts.txt")
    writeFileSync(starts, "")
    const out = path.join(dir, "served")
    const args = ["serve", "--db", fx.db, "--out", out, "--port", "0", "--threads", "2"]
    const running = startCommand(process.execPath, ["--import", MODULE_LOG, "--import", START_LOG, LAUNCHER, ...args], {
      cwd: dir,
      env: { MODULE_LOG: log, START_LOG: starts }
    })
    let stdout = ""
    running.child.stdout!.on("data", (b: Buffer) => (stdout += b.toString("utf8")))
    try {
      await waitFor("the server's URL", () => stdout.includes("\n") || running.child.exitCode !== null)
      const base = stdout.split("\n")[0]!
      expect(base, running.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const page = await fetch(base)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("<title>skyporter</title>")
      const created = await fetch(new URL("/api/exports", base), {
        method: "POST",
        headers: { "content-type": "application/json", origin: new URL(base).origin },
        body: JSON.stringify({ did: DID, format: "csv" })
      })
      expect(created.status, await created.clone().text()).toBe(202)
      const { id } = (await created.json()) as { id: string }
      const statusOf = async () =>
        ((await (await fetch(new URL(`/api/exports/${id}`, base))).json()) as { status: string }).status
      let status = await statusOf()
      for (const deadline = Date.now() + 30_000; status === "queued" || status === "running";) {
        expect(Date.now(), "the export to end within 30 s").toBeLessThan(deadline)
        await sleep(50)
        status = await statusOf()
      }
      expect(status, running.stderr()).toBe("completed")
    } finally {
      running.child.kill("SIGTERM")
    }
    const result = await running.done
    expect(result.code, `stopped by SIGTERM: ${show(result)}`).toBe(130)
    // A server starts again in place, whatever its archive's size, with the heap and arenas a long run needs.
    expect(readStarts(starts)).toEqual(tunedStarts(running.child.pid))
    const loaded = readModuleLog(log)
    expect(loaded.threads, "the main thread (each start of it) and a reader").toBe(canStartAgain ? 3 : 2)
    const recorder = pathToFileURL(START_LOG).href
    expect(loaded.modules.filter((url) => !fromBundle(url) && !outside(url) && url !== recorder)).toEqual([])
    expect(loaded.modules.some((url) => url.endsWith("/dist/bundle/ReaderThread.js"))).toBe(true)
  }, 60_000)

  it("an export of an archive under 1 MiB starts no reader thread for a batch of posts, and a reader from the bundle for more", async () => {
    const db = path.join(dir, "small.db")
    writeArchive(db, generatePosts(DID, 40))
    const r = await logged(exportArgs("json", "small", db))
    expect(r.threads, "the main thread alone").toBe(1)
    const { data, manifest } = readExport(published(r.result), "json")
    expect(manifest.post_count).toBe(40)
    const uris = (JSON.parse(data.toString("utf8")) as Array<{ uri: string }>).map((p) => p.uri)
    expect(uris.sort()).toEqual(
      generatePosts(DID, 40)
        .map((p) => p.uri)
        .sort()
    )
    // In batches of 10, the export starts a reader when it needs one, from the bundle as a prewarmed one.
    const args = exportArgs("json", "small-batches", db)
    args[args.indexOf("--batch-size") + 1] = "10"
    const batches = await logged(args)
    expect(batches.threads, "the main thread and a reader").toBe(2)
    expect(batches.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    expect(batches.modules.some((url) => url.endsWith("/dist/bundle/ReaderThread.js"))).toBe(true)
    expect(readExport(published(batches.result), "json").data.equals(data)).toBe(true)
  }, 60_000)
})

describe("an export of a large archive", () => {
  const { large, started } = useLargeArchive()

  it("starts again in place, with a 24 MB young generation and two allocator arenas", async () => {
    const r = await started(large())
    expect(r.starts).toEqual(tunedStarts(r.pid))
    const small = await started(fx.db)
    expect(small.starts, "a small archive runs as started").toEqual(asStarted(small.pid))
    const below = path.join(dir, "below.db")
    copyFileSync(fx.db, below)
    truncateSync(below, TUNED_EXPORT_BYTES - 1)
    const justBelow = await started(below)
    expect(justBelow.starts, "an archive a byte under the threshold runs as started").toEqual(asStarted(justBelow.pid))
    const a = readExport(r.published, "json")
    const b = readExport(small.published, "json")
    expect(a.manifest.post_count).toBe(POSTS)
    expect(a.data.equals(b.data)).toBe(true)
  }, 60_000)
})
