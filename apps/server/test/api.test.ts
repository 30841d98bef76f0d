/**
 * The JSON API against a real `skyporter serve` on a free loopback port and
 * a real seeded archive: every route, every error code, and that no
 * malformed request changes anything on disk.
 */
import Database from "better-sqlite3"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  completedExport,
  DID_A,
  DID_B,
  DID_C,
  expectError,
  finished,
  POSTS,
  request,
  startExport,
  temporaries,
  tree,
  useServer,
  verifyZip
} from "./support.js"

// Batches of POSTS: an export of one DID is one batch, which starts no reader thread. A slowjson
// export then sleeps before its one batch and before its end: it can be caught queued, running,
// and running after it has written its posts.
const shared = useServer({
  slow: true,
  batchSize: POSTS,
  env: { SKYPORTER_TEST_DELAY_MS: "300", SKYPORTER_TEST_END_DELAY_MS: "1500" }
})
const { fixture, url } = shared

describe("the server", () => {
  it("answers /healthz and serves the page with its security headers", async () => {
    const health = await request(url(), "GET", "/healthz")
    expect(health.status).toBe(200)
    const page = await request(url(), "GET", "/")
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toMatch(/^text\/html/)
    expect(page.text).toContain('<script type="module" src="/app.js"')
    for (const r of [health, page, await request(url(), "GET", "/api/exports")]) {
      const csp = r.headers.get("content-security-policy")!
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain("unsafe-inline")
      expect(r.headers.get("x-content-type-options")).toBe("nosniff")
      expect(r.headers.get("x-frame-options")).toBe("DENY")
      expect(r.headers.get("referrer-policy")).toBe("no-referrer")
    }
    expect((await request(url(), "GET", "/api/exports")).headers.get("cache-control")).toBe("no-store")
    expectError(await request(url(), "GET", "/nope"), 404, "not_found")
    expectError(await request(url(), "GET", "/api/nope"), 404, "not_found")
    expectError(await request(url(), "PUT", "/api/exports"), 405, "method_not_allowed")
  })

  it("lists the formats of the plugin registry", async () => {
    const r = await request(url(), "GET", "/api/formats")
    expect(r.status).toBe(200)
    const names = r.body.formats.map((f: any) => f.name)
    expect(names).toEqual(expect.arrayContaining(["json", "csv", "slowjson"]))
  })

  it("creates an export (202 with links), lists it, shows it with its manifest, downloads it as a ZIP", async () => {
    const created = await request(url(), "POST", "/api/exports", {
      body: { did: DID_A, format: "json", since: "2023-06-01", until: "2025-06-30" }
    })
    expect(created.status).toBe(202)
    const { id } = created.body
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(["queued", "running"]).toContain(created.body.status)
    expect(created.body.links).toEqual({
      self: `/api/exports/${id}`,
      events: `/api/exports/${id}/events`,
      download: `/api/exports/${id}/download`
    })
    expect(created.headers.get("location")).toBe(`/api/exports/${id}`)
    expect(await finished(url(), id)).toBe("completed")

    const item = await request(url(), "GET", `/api/exports/${id}`)
    expect(item.status).toBe(200)
    expect(item.body).toMatchObject({
      id,
      did: DID_A,
      format: "json",
      status: "completed",
      date_range: { since: "2023-06-01", until: "2025-06-30" },
      media_count: 0,
      progress: { status: "completed", error: null }
    })
    for (const key of ["created_at", "completed_at", "post_count", "size_bytes"]) expect(item.body[key]).not.toBeNull()
    expect(item.body.manifest.post_count).toBe(item.body.post_count)
    expect(item.body.post_count).toBeGreaterThan(0)
    expect(item.body.post_count).toBeLessThan(POSTS)

    const list = await request(url(), "GET", `/api/exports?did=${DID_A}`)
    expect(list.status).toBe(200)
    expect(list.body.exports.map((e: any) => e.id)).toContain(id)
    const listed = list.body.exports.find((e: any) => e.id === id)
    for (const key of [
      "id",
      "did",
      "format",
      "status",
      "created_at",
      "completed_at",
      "post_count",
      "media_count",
      "size_bytes",
      "date_range",
      "progress"
    ]) {
      expect(listed).toHaveProperty(key)
    }
    expect(listed.manifest).toBeUndefined()

    const zip = await fetch(new URL(`/api/exports/${id}/download`, url()))
    expect(zip.status).toBe(200)
    expect(zip.headers.get("content-type")).toBe("application/zip")
    expect(zip.headers.get("content-length")).toBeNull() // streamed
    const disposition = zip.headers.get("content-disposition")!
    expect(disposition).toMatch(
      /^attachment; filename="skyporter-did_plc_servertestaaaaaaaaaaaaaa-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.zip"$/
    )
    const file = path.join(fixture.dir, "a.zip")
    writeFileSync(file, Buffer.from(await zip.arrayBuffer()))
    const checked = verifyZip(file)
    expect(checked.names.sort()).toEqual(["manifest.json", "posts.json"])
    expect(checked.posts).toBe(item.body.post_count)
    expect(checked.manifest).toEqual(item.body.manifest)
  })

  it("passes include_media through to the core: media rows are counted and reported", async () => {
    const item = await startExport(url(), { did: DID_C, format: "json", include_media: true })
    expect(await finished(url(), item.id)).toBe("completed")
    const got = await request(url(), "GET", `/api/exports/${item.id}`)
    // The seeded archive has media rows but no media files: each is listed as missing.
    expect(got.body.media_count).toBe(0)
    expect(got.body.manifest.missing_media.length).toBeGreaterThan(0)
    expect((await request(url(), "DELETE", `/api/exports/${item.id}`)).status).toBe(204)
    // Without include_media nothing about media is looked at.
    const plain = await startExport(url(), { did: DID_C, format: "json" })
    expect(await finished(url(), plain.id)).toBe("completed")
    expect((await request(url(), "GET", `/api/exports/${plain.id}`)).body.manifest.missing_media).toEqual([])
    expect((await request(url(), "DELETE", `/api/exports/${plain.id}`)).status).toBe(204)
  })

  it("takes a format name in any case, as the CLI does, and records the format's own name", async () => {
    const item = await startExport(url(), { did: DID_C, format: "CSV" })
    expect(item.format).toBe("csv")
    expect(await finished(url(), item.id)).toBe("completed")
    const got = await request(url(), "GET", `/api/exports/${item.id}`)
    expect(got.body.format).toBe("csv")
    expect(got.body.manifest.export_format).toBe("csv")
    expect(got.body.manifest.files.map((f: any) => f.path)).toEqual(["posts.csv"])
    const listed = await request(url(), "GET", `/api/exports?did=${DID_C}`)
    expect(listed.body.exports.find((e: any) => e.id === item.id).format).toBe("csv")
    expect((await request(url(), "DELETE", `/api/exports/${item.id}`)).status).toBe(204)
    // A plugin's format too; a name no format has in any case is still refused, listing them.
    const slow = await startExport(url(), { did: DID_C, format: "SlowJSON" })
    expect(slow.format).toBe("slowjson")
    expect(await finished(url(), slow.id)).toBe("completed")
    expect((await request(url(), "DELETE", `/api/exports/${slow.id}`)).status).toBe(204)
    const unknown = await request(url(), "POST", "/api/exports", { body: { did: DID_C, format: "CSVX" } })
    expectError(unknown, 400, "invalid_field")
    expect(unknown.body.error.message).toBe(
      'unknown format "CSVX"; available formats: json, csv, ndjson, html, slowjson'
    )
  })

  it("follows, links, downloads and deletes an export whose id is longer than 100 characters", async () => {
    // A did:web of 180 characters: its id (base64url of DID and name) is about 270.
    const did = `did:web:${"a".repeat(160)}.example.com`
    const item = await startExport(url(), { did, format: "json" })
    expect(item.id.length).toBeGreaterThan(250)
    expect(await finished(url(), item.id)).toBe("completed")
    const link = await request(url(), "POST", `/api/exports/${item.id}/download-link`)
    expect(link.status, link.text).toBe(201)
    const zip = await fetch(new URL(`/api/exports/${item.id}/download`, url()))
    expect(zip.status).toBe(200)
    expect(zip.headers.get("content-type")).toBe("application/zip")
    await zip.arrayBuffer()
    expect((await request(url(), "DELETE", `/api/exports/${item.id}`)).status).toBe(204)
    expect((await request(url(), "GET", `/api/exports/${item.id}`)).status).toBe(404)
  })

  it("refuses a second export of a DID while one is queued or running (409), not another DID's", async () => {
    const first = await startExport(url(), { did: DID_B, format: "slowjson" })
    const again = await request(url(), "POST", "/api/exports", { body: { did: DID_B, format: "json" } })
    expectError(again, 409, "export_in_progress")
    expect(again.body.error.message).toContain(first.id)
    const other = await request(url(), "POST", "/api/exports", { body: { did: DID_C, format: "json" } })
    expect(other.status).toBe(202)
    // Download of an unfinished export: 409.
    expectError(await request(url(), "GET", `/api/exports/${first.id}/download`), 409, "not_completed")
    expect((await request(url(), "DELETE", `/api/exports/${first.id}`)).status).toBe(204)
    expect(await finished(url(), other.body.id)).toBe("completed")
    // Free again.
    const third = await startExport(url(), { did: DID_B, format: "json" })
    expect(await finished(url(), third.id)).toBe("completed")
  })

  it("rejects bad bodies with 400/413/415 and changes nothing on disk", async () => {
    const before = tree(shared.out)
    const post = (init: Parameters<typeof request>[3]) => request(url(), "POST", "/api/exports", init)
    const json = { "content-type": "application/json" }
    expectError(await post({ raw: '{"did":', headers: json }), 400, "invalid_json")
    expectError(await post({ raw: "", headers: json }), 400, "invalid_json")
    expectError(await post({ raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: json }), 400, "invalid_json")
    expectError(
      await post({ raw: JSON.stringify({ did: DID_A, format: "json" }), headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type"
    )
    expectError(await post({ raw: JSON.stringify({ did: DID_A, format: "json" }) }), 415, "unsupported_media_type")
    const big = JSON.stringify({ did: DID_A, format: "json", since: "x".repeat(17 * 1024) })
    expectError(await post({ raw: big, headers: json }), 413, "payload_too_large")
    const cases: Array<[unknown, string]> = [
      [{ did: DID_A, format: "json", extra: 1 }, "extra"],
      [{ format: "json" }, "did"],
      [{ did: DID_A }, "format"],
      [{ did: 42, format: "json" }, "did"],
      [{ did: "not-a-did", format: "json" }, "DID"],
      [{ did: DID_A, format: "xml" }, "xml"],
      [{ did: DID_A, format: "json", since: "yesterday" }, "since"],
      [{ did: DID_A, format: "json", since: "2024-02-01", until: "2024-01-01" }, "until"],
      [{ did: DID_A, format: "json", include_media: "yes" }, "include_media"],
      [[1, 2], "object"],
      ["text", "object"],
      [null, "object"]
    ]
    for (const [body, named] of cases) {
      const r = await post({ raw: JSON.stringify(body), headers: json })
      expectError(r, 400, "invalid_field")
      expect(r.body.error.message).toContain(named)
    }
    expectError(await request(url(), "GET", "/api/exports?limit=0"), 400, "invalid_field")
    expectError(await request(url(), "GET", "/api/exports?limit=abc"), 400, "invalid_field")
    expectError(await request(url(), "GET", "/api/exports?did=nope"), 400, "invalid_field")
    expectError(await request(url(), "GET", "/api/exports?cursor=..%2F.."), 400, "invalid_field")
    expectError(await request(url(), "GET", "/api/exports?bogus=1"), 400, "invalid_field")
    expect(tree(shared.out)).toEqual(before)
  })

  it("treats traversal-shaped and malformed ids as missing (404) and touches nothing", async () => {
    const done = await completedExport(url(), DID_C)
    const before = tree(shared.out)
    const ids = [
      "..%2F..",
      "..%2F..%2Fetc%2Fpasswd",
      "%2e%2e",
      "%00",
      "abc%00def",
      "%2Fetc%2Fpasswd",
      Buffer.from(`${DID_C}/../../../etc`).toString("base64url"),
      Buffer.from(`${DID_C}/2024-01-01_00-00-00/../x`).toString("base64url"),
      `${done.id}=`,
      done.id.slice(0, -1)
    ]
    for (const id of ids) {
      for (const [method, suffix] of [
        ["GET", ""],
        ["DELETE", ""],
        ["GET", "/events"],
        ["GET", "/download"],
        ["POST", "/download-link"]
      ] as const) {
        const r = await request(url(), method, `/api/exports/${id}${suffix}`)
        expect(r.status, `${method} ${id}${suffix}`).toBeGreaterThanOrEqual(400)
        expect(r.status).toBeLessThan(500)
        expect(r.body.error.code).toBe("not_found")
      }
    }
    // Absolute paths and dot segments do not match any export route.
    for (const raw of ["/api/exports//etc/passwd", "/api/exports/../../etc/passwd", "/api/exports/%2e%2e/%2e%2e/etc"]) {
      const r = await rawGet(raw)
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
    }
    expect(tree(shared.out)).toEqual(before)
    expect((await request(url(), "GET", `/api/exports/${done.id}`)).status).toBe(200)
  })

  it("pages the list newest first with a cursor", async () => {
    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const r: any = await request(url(), "GET", `/api/exports?limit=1${cursor ? `&cursor=${cursor}` : ""}`)
      expect(r.status).toBe(200)
      expect(r.body.exports.length).toBeLessThanOrEqual(1)
      seen.push(...r.body.exports.map((e: any) => e.created_at + " " + e.id))
      cursor = r.body.next_cursor
    } while (cursor !== null)
    const all = (await request(url(), "GET", "/api/exports?limit=100")).body.exports.map(
      (e: any) => e.created_at + " " + e.id
    )
    expect(seen).toEqual(all)
    expect(all.length).toBeGreaterThan(2)
    expect(
      [...all]
        .sort()
        .reverse()
        .map((s) => s.split(" ")[0])
    ).toEqual(all.map((s: string) => s.split(" ")[0]))
  })

  it("deletes a completed export (204), then 404; and cancels a running one leaving nothing on disk", async () => {
    const done = await completedExport(url(), DID_A)
    const dir = path.join(shared.out, DID_A)
    const before = tree(dir).length
    expect((await request(url(), "DELETE", `/api/exports/${done.id}`)).status).toBe(204)
    expect(tree(dir).length).toBeLessThan(before)
    expectError(await request(url(), "DELETE", `/api/exports/${done.id}`), 404, "not_found")
    expectError(await request(url(), "GET", `/api/exports/${done.id}`), 404, "not_found")

    const running = await startExport(url(), { did: DID_A, format: "slowjson" })
    // Wait until it has written something.
    for (let i = 0; i < 200; i++) {
      const r = await request(url(), "GET", `/api/exports/${running.id}`)
      if (r.body.progress.posts_processed > 0) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const listBefore = tree(dir)
    const watcher = finished(url(), running.id)
    expect((await request(url(), "DELETE", `/api/exports/${running.id}`)).status).toBe(204)
    expect(await watcher).toBe("cancelled")
    expect(temporaries(shared.out)).toEqual([])
    expect(tree(dir)).toEqual(listBefore.filter((p) => !p.startsWith(".")))
    expectError(await request(url(), "DELETE", `/api/exports/${running.id}`), 404, "not_found")
  })

  it("deletes after download only on POST, once the whole ZIP was sent; a GET never deletes", async () => {
    const done = await completedExport(url(), DID_C)
    const name = Buffer.from(done.id, "base64url").toString().split("/")[1]!
    const dir = path.join(shared.out, DID_C, name)
    // GET refuses delete_after outright, and a plain GET leaves the export where it is.
    expectError(await request(url(), "GET", `/api/exports/${done.id}/download?delete_after=true`), 400, "invalid_field")
    expect((await fetch(new URL(`/api/exports/${done.id}/download`, url()))).status).toBe(200)
    expect(tree(dir)).toContain("manifest.json")
    const body = JSON.stringify({ delete_after: true })
    // A client that reads a few bytes and hangs up: the export stays.
    const partial = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        new URL(`/api/exports/${done.id}/download`, url()),
        { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          res.once("data", () => {
            req.destroy()
            resolve(res.statusCode!)
          })
        }
      )
      req.on("error", reject)
      req.end(body)
    })
    expect(partial).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(tree(dir)).toContain("manifest.json")
    // POST without a JSON body is refused (a cross-site form cannot send one).
    expectError(
      await request(url(), "POST", `/api/exports/${done.id}/download`, {
        raw: "delete_after=true",
        headers: { "content-type": "application/x-www-form-urlencoded" }
      }),
      415,
      "unsupported_media_type"
    )
    expectError(
      await request(url(), "POST", `/api/exports/${done.id}/download`, { body: { delete_after: "maybe" } }),
      400,
      "invalid_field"
    )
    // A complete download: deleted after.
    const r = await fetch(new URL(`/api/exports/${done.id}/download`, url()), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body
    })
    const bytes = Buffer.from(await r.arrayBuffer())
    const file = path.join(fixture.dir, "c.zip")
    writeFileSync(file, bytes)
    expect(verifyZip(file).names.sort()).toEqual(["manifest.json", "posts.json"])
    for (let i = 0; i < 100 && tree(dir).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(tree(dir)).toEqual([])
    expectError(await request(url(), "GET", `/api/exports/${done.id}`), 404, "not_found")
  })

  it("allows 10 concurrent downloads per DID and answers 429 beyond", async () => {
    const done = await completedExport(url(), DID_B)
    const name = Buffer.from(done.id, "base64url").toString().split("/")[1]!
    // Incompressible bytes make each ZIP far larger than the socket buffers: paused readers hold their download open.
    // Named as media is, the file is stored, not deflated: the server spends no time compressing it.
    writeFileSync(path.join(shared.out, DID_B, name, "padding.jpg"), randomBytes(24 * 1024 * 1024))
    const held: Array<http.ClientRequest> = []
    try {
      for (let i = 0; i < 10; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.get(new URL(`/api/exports/${done.id}/download`, url()), (res) => {
            res.pause()
            resolve(res.statusCode!)
          })
          req.on("error", reject)
          held.push(req)
        })
        expect(status).toBe(200)
      }
      expectError(await request(url(), "GET", `/api/exports/${done.id}/download`), 429, "too_many_downloads")
      // Another DID is not affected.
      const other = await completedExport(url(), DID_C)
      expect((await fetch(new URL(`/api/exports/${other.id}/download`, url()))).status).toBe(200)
    } finally {
      for (const req of held) req.destroy()
    }
    for (let i = 0; i < 100; i++) {
      const r = await fetch(new URL(`/api/exports/${done.id}/download`, url()))
      await r.body?.cancel()
      if (r.status === 200) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error("downloads were not released after the clients hung up")
  })

  it("rejects symlinks: a ZIP never follows a link out of the export directory", async () => {
    const done = await completedExport(url(), DID_A)
    const name = Buffer.from(done.id, "base64url").toString().split("/")[1]!
    const secretDir = path.join(fixture.dir, "secret")
    mkdirSync(secretDir, { recursive: true })
    writeFileSync(path.join(secretDir, "secret.txt"), "top secret")
    const { symlinkSync } = await import("node:fs")
    symlinkSync(path.join(secretDir, "secret.txt"), path.join(shared.out, DID_A, name, "leak.txt"))
    symlinkSync(secretDir, path.join(shared.out, DID_A, name, "leakdir"))
    const r = await fetch(new URL(`/api/exports/${done.id}/download`, url()))
    const file = path.join(fixture.dir, "links.zip")
    writeFileSync(file, Buffer.from(await r.arrayBuffer()))
    const checked = verifyZip(file)
    expect(checked.names.sort()).toEqual(["manifest.json", "posts.json"])
  })

  it("waits for another process's lock on the archive without holding up other requests: a handle then 409 archive_locked", async () => {
    const locker = new Database(shared.fixture.db)
    locker.exec("BEGIN EXCLUSIVE")
    try {
      const startedAt = Date.now()
      const pending = request(url(), "POST", "/api/exports", { body: { did: "alice.example.com", format: "json" } })
      await new Promise((resolve) => setTimeout(resolve, 300))
      // While the lookup waits for the lock, the server answers (its thread is not asleep in SQLite).
      expect((await request(url(), "GET", "/healthz")).status).toBe(200)
      expect(Date.now() - startedAt).toBeLessThan(2_500)
      const r = await pending
      expectError(r, 409, "archive_locked")
      expect(r.body.error.message).toMatch(/is locked by another process/)
    } finally {
      locker.exec("ROLLBACK")
      locker.close()
    }
  }, 30_000)
})

/** A GET with the path sent exactly as given (fetch would normalise dot segments). */
const rawGet = (rawPath: string) =>
  new Promise<{ status: number }>((resolve, reject) => {
    const target = new URL(url())
    const req = http.request({ host: target.hostname, port: target.port, path: rawPath, method: "GET" }, (res) => {
      res.resume()
      resolve({ status: res.statusCode! })
    })
    req.on("error", reject)
    req.end()
  })
