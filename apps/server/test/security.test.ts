/**
 * What a web page on another site, or a hostile client, must not be able to
 * do to a `skyporter serve` on loopback: DNS rebinding (Host), cross-site
 * writes (Origin, Sec-Fetch-Site), state changes on GET, tickets used beyond
 * their one download, names that cannot exist, server paths in answers, and CLI
 * words in API errors. Event streams starving the server: events.test.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  DID_A,
  DID_B,
  DID_C,
  finished,
  POSTS,
  readEvents,
  request,
  serve,
  type Served,
  startExport,
  tree,
  useServer,
  writeAuthFile
} from "./support.js"
import { ROUTES } from "../src/Routes.js"

// Batches of POSTS: an export of one DID is one batch, which starts no reader thread.
const shared = useServer({ batchSize: POSTS })
const { fixture, url } = shared
const port = () => new URL(url()).port

/** A request with any Host header (fetch may not set one). */
const raw = (
  method: string,
  route: string,
  headers: Record<string, string>,
  body?: string
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> =>
  new Promise((resolve, reject) => {
    const req = http.request(new URL(route, url()), { method, headers }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (d) => (text += d))
      res.on("end", () => {
        let parsed: unknown = text
        try {
          parsed = JSON.parse(text)
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed })
      })
    })
    req.on("error", reject)
    req.end(body)
  })

const expectError = (r: { status: number; body: any }, status: number, code: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status)
  expect(r.body.error.code).toBe(code)
  expect(r.body.error.message.length).toBeGreaterThan(0)
}

describe("DNS rebinding", () => {
  it("answers only loopback Host names with the listening port; any other Host gets 421", async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `LOCALHOST:${port()}`, `[::1]:${port()}`]) {
      expect((await raw("GET", "/api/exports", { host })).status, host).toBe(200)
    }
    for (const host of [
      "evil.example",
      `evil.example:${port()}`,
      "127.0.0.1",
      `127.0.0.1:1`,
      `localhost.evil.example:${port()}`
    ]) {
      for (const route of ["/", "/healthz", "/api/exports", "/api/accounts"]) {
        expectError(await raw("GET", route, { host }), 421, "host_not_allowed")
      }
    }
    const body = JSON.stringify({ did: DID_A, format: "json" })
    const refused = await raw(
      "POST",
      "/api/exports",
      { host: "evil.example", "content-type": "application/json" },
      body
    )
    expectError(refused, 421, "host_not_allowed")
    expect(tree(shared.out).filter((p) => !p.startsWith("."))).toEqual([])
  })
})

describe("cross-site requests", () => {
  it("refuses a POST or DELETE from another origin or site (403) and changes nothing", async () => {
    const crossSite: Array<Record<string, string>> = [
      { origin: "http://evil.example" },
      { origin: `http://evil.example:${port()}` },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" }
    ]
    for (const headers of crossSite) {
      const r = await request(url(), "POST", "/api/exports", { body: { did: DID_A, format: "json" }, headers })
      expectError(r, 403, "cross_site_request")
    }
    expect(tree(shared.out).filter((p) => !p.startsWith("."))).toEqual([])
    const done = await startExport(url(), { did: DID_A, format: "json" }, undefined)
    expect(await finished(url(), done.id)).toBe("completed")
    for (const headers of crossSite) {
      expectError(await request(url(), "DELETE", `/api/exports/${done.id}`, { headers }), 403, "cross_site_request")
      const post = await request(url(), "POST", `/api/exports/${done.id}/download`, {
        body: { delete_after: true },
        headers
      })
      expectError(post, 403, "cross_site_request")
    }
    expect((await request(url(), "GET", `/api/exports/${done.id}`)).status).toBe(200)
    // The page's own requests pass.
    const own = await request(url(), "DELETE", `/api/exports/${done.id}`, {
      headers: { origin: url().replace(/\/$/, ""), "sec-fetch-site": "same-origin" }
    })
    expect(own.status).toBe(204)
  })

  it("refuses event streams, downloads and every API read from another site (403); the page's own and curl's pass", async () => {
    const done = await startExport(url(), { did: DID_A, format: "json" })
    expect(await finished(url(), done.id)).toBe("completed")
    const routes = [
      `/api/exports/${done.id}/events`,
      `/api/exports/${done.id}/download`,
      `/api/exports/${done.id}`,
      "/api/exports",
      "/api/accounts"
    ]
    // What `new EventSource(…)` or `<img src>` on another page sends: a stream or a download held open.
    const crossSite: Array<Record<string, string>> = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "http://evil.example" },
      { origin: `https://127.0.0.1:${port()}` }
    ]
    for (const route of routes) {
      for (const headers of crossSite) {
        const r = await raw("GET", route, { host: `127.0.0.1:${port()}`, ...headers })
        expectError(r, 403, "cross_site_request")
        expect(r.body.error.message).toContain("GET refused")
      }
      for (const headers of [{}, { "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }]) {
        const r = await raw("GET", route, { host: `127.0.0.1:${port()}`, ...headers })
        expect(r.status, `${route} ${JSON.stringify(headers)}`).toBe(200)
      }
    }
    await request(url(), "DELETE", `/api/exports/${done.id}`)
  })

  it("compares the whole Origin with this server (scheme, host, port), and a write's Referer when Origin is absent", async () => {
    const before = tree(shared.out)
    const body = JSON.stringify({ did: DID_A, format: "nope" })
    const post = (headers: Record<string, string>) =>
      raw("POST", "/api/exports", { host: `127.0.0.1:${port()}`, "content-type": "application/json", ...headers }, body)
    for (const origin of [
      `https://127.0.0.1:${port()}`,
      `ftp://127.0.0.1:${port()}`,
      `ws://127.0.0.1:${port()}`,
      `http://127.0.0.1:${Number(port()) + 1}`,
      `http://localhost:${port()}`
    ]) {
      expectError(await post({ origin }), 403, "cross_site_request")
    }
    expectError(await post({ referer: "http://evil.example/page" }), 403, "cross_site_request")
    expectError(await post({ referer: `https://127.0.0.1:${port()}/` }), 403, "cross_site_request")
    expectError(await post({ referer: "not a url" }), 403, "cross_site_request")
    // This server's own origin, or its Referer, passes the guard (the unknown format is then 400).
    expectError(await post({ origin: `http://127.0.0.1:${port()}` }), 400, "invalid_field")
    expectError(await post({ referer: `http://127.0.0.1:${port()}/` }), 400, "invalid_field")
    expectError(await post({}), 400, "invalid_field")
    expect(tree(shared.out)).toEqual(before)
  })

  it("never deletes on GET", async () => {
    const done = await startExport(url(), { did: DID_B, format: "json" })
    expect(await finished(url(), done.id)).toBe("completed")
    expectError(await request(url(), "GET", `/api/exports/${done.id}/download?delete_after=true`), 400, "invalid_field")
    const r = await fetch(new URL(`/api/exports/${done.id}/download`, url()))
    await r.arrayBuffer()
    expect(r.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await request(url(), "GET", `/api/exports/${done.id}`)).status).toBe(200)
    expect((await request(url(), "DELETE", `/api/exports/${done.id}`)).status).toBe(204)
  })
})

describe("names and paths", () => {
  it("refuses a DID whose folder name would pass 255 bytes with 400, before anything is written", async () => {
    const did = `did:plc:${"a".repeat(250)}`
    const r = await request(url(), "POST", "/api/exports", { body: { did, format: "json" } })
    expectError(r, 400, "invalid_field")
    expect(r.body.error.message).toContain("255 bytes")
    expect(tree(shared.out).some((p) => p.includes("a".repeat(250)))).toBe(false)
  })

  it("names API fields and expected types in errors, never CLI flags or [object Object]", async () => {
    const cases: Array<[unknown, string]> = [
      [{ did: {}, format: "json" }, "did: expected a string"],
      [{ did: DID_A, format: 7 }, "format: expected a string"],
      [{ did: DID_A, format: "json", include_media: "yes" }, "include_media: expected a boolean"],
      [{ did: DID_A, format: "json", since: "yesterday" }, "since"],
      [{ did: DID_A, format: "json", since: "2024-05-02", until: "2024-05-01" }, "until"]
    ]
    for (const [body, words] of cases) {
      const r = await request(url(), "POST", "/api/exports", { body })
      expectError(r, 400, "invalid_field")
      expect(r.body.error.message).toContain(words)
      expect(r.body.error.message).not.toContain("--")
      expect(r.body.error.message).not.toContain("[object")
    }
  })

  it("shows no server path in any answer: errors, lists, exports and their manifests", async () => {
    const done = await startExport(url(), { did: DID_A, format: "json" })
    expect(await finished(url(), done.id)).toBe("completed")
    const answers = [
      await request(url(), "GET", "/api/exports"),
      await request(url(), "GET", `/api/exports/${done.id}`),
      await request(url(), "GET", "/api/accounts"),
      await request(url(), "GET", "/api/formats"),
      await request(url(), "GET", "/api/session"),
      await request(url(), "POST", "/api/exports", { body: { did: DID_A, format: "nope" } }),
      await request(url(), "POST", "/api/exports", { body: { did: "x", format: "json" } }),
      await request(url(), "GET", "/api/exports/..%2F..%2Fetc"),
      await request(url(), "GET", "/api/exports?cursor=zzz")
    ]
    expect(answers[1]!.body.manifest.did).toBe(DID_A)
    for (const r of answers) {
      for (const secret of [fixture.dir, shared.out, fixture.db, "/tmp/", process.cwd()])
        expect(r.text).not.toContain(secret)
    }
    await request(url(), "DELETE", `/api/exports/${done.id}`)
  })

  it("shows no server path in event streams: a failed export's message is the one GET shows", async () => {
    // A plain file where the DID's folder should be: the export fails naming that folder.
    mkdirSync(shared.out, { recursive: true })
    writeFileSync(path.join(shared.out, DID_C), "in the way")
    try {
      const job = await startExport(url(), { did: DID_C, format: "json" })
      const { events } = await readEvents(url(), `/api/exports/${job.id}/events`)
      const failed = events[events.length - 1]!
      expect(failed.event).toBe("failed")
      const got = await request(url(), "GET", `/api/exports/${job.id}`)
      expect(got.body.progress.error.message).toContain(`<out>/${DID_C}`)
      expect(failed.data.error).toEqual(got.body.progress.error)
      for (const secret of [fixture.dir, shared.out, "/tmp/"]) expect(JSON.stringify(events)).not.toContain(secret)
    } finally {
      rmSync(path.join(shared.out, DID_C), { force: true })
    }
  })
})

describe("accounts", () => {
  it("lists the archive's accounts with their post counts (no profiles table: handle null)", async () => {
    const r = await request(url(), "GET", "/api/accounts")
    expect(r.status).toBe(200)
    const dids = r.body.accounts.map((a: any) => a.did)
    expect(dids).toEqual(expect.arrayContaining([DID_A, DID_B]))
    for (const a of r.body.accounts) {
      expect(Object.keys(a).sort()).toEqual(["did", "handle", "posts"])
      expect(a.posts).toBeGreaterThan(0)
    }
  })
})

describe("tickets", () => {
  const TOKEN_A = "token-for-a-0123456789abcdef"
  let authed: Served
  let authOut: string
  beforeAll(async () => {
    authOut = path.join(fixture.dir, "auth-out")
    const auth = writeAuthFile(fixture.dir, [
      { token: TOKEN_A, did: DID_A },
      { token: "token-all-0123456789abcdef", did: "*" }
    ])
    authed = await serve({ db: fixture.db, out: authOut, batchSize: POSTS, args: ["--auth", auth] })
  })
  afterAll(async () => {
    await authed?.stop()
  })

  it("with --auth, accepts a write from the proxy's https page but not another scheme or name", async () => {
    const post = (origin: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = http.request(
          new URL("/api/exports", authed.url),
          {
            method: "POST",
            headers: {
              host: "exports.example.org",
              origin,
              authorization: `Bearer ${TOKEN_A}`,
              "content-type": "application/json"
            }
          },
          (res) => {
            let text = ""
            res.on("data", (d) => (text += d))
            res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
          }
        )
        req.on("error", reject)
        req.end(JSON.stringify({ did: DID_A, format: "nope" }))
      })
    for (const origin of ["https://exports.example.org", "http://exports.example.org"]) {
      expectError(await post(origin), 400, "invalid_field")
    }
    for (const origin of ["ftp://exports.example.org", "https://exports.example.org:8443", "https://evil.example"]) {
      expectError(await post(origin), 403, "cross_site_request")
    }
  })

  it("with --auth, accepts any Host (a reverse proxy's name) but still needs a token", async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get(new URL("/api/exports", authed.url), { headers }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.on("error", reject)
      })
    expect(await get({ host: "exports.example.org", authorization: `Bearer ${TOKEN_A}` })).toBe(200)
    expect(await get({ host: "exports.example.org" })).toBe(401)
  })

  it("a download ticket downloads its own export and does nothing else", async () => {
    const a1 = await startExport(authed.url, { did: DID_A, format: "json" }, TOKEN_A)
    expect(await finished(authed.url, a1.id, TOKEN_A)).toBe("completed")
    const a2 = await startExport(authed.url, { did: DID_A, format: "json" }, TOKEN_A)
    expect(await finished(authed.url, a2.id, TOKEN_A)).toBe("completed")
    const link = await request(authed.url, "POST", `/api/exports/${a1.id}/download-link`, { token: TOKEN_A })
    expect(link.status).toBe(201)
    const ticket = new URL(link.body.url, authed.url).searchParams.get("ticket")!
    const q = `?ticket=${encodeURIComponent(ticket)}`
    // Every route of the API's one table, each with a plausible body; the ticket's own download aside.
    const bodies: Partial<Record<string, unknown>> = {
      createExport: { did: DID_A, format: "json" },
      downloadAndDelete: { delete_after: true }
    }
    const routes: Array<[string, string, unknown?]> = ROUTES.filter((r) => r.name !== "download").map((r) => [
      r.method,
      `${r.path.replace(":id", a1.id)}${q}`,
      bodies[r.name]
    ])
    expect(routes).toHaveLength(ROUTES.length - 1)
    routes.push(["GET", `/api/exports/${a2.id}/download${q}`])
    for (const [method, route, body] of routes) {
      const r = await request(authed.url, method, route, body === undefined ? {} : { body })
      expectError(r, 401, "unauthorized")
    }
    const download = await fetch(new URL(link.body.url, authed.url))
    expect(download.status).toBe(200)
    expect(
      Buffer.from(await download.arrayBuffer())
        .subarray(0, 2)
        .toString()
    ).toBe("PK")
    // Both exports are still there.
    for (const e of [a1, a2]) {
      expect((await request(authed.url, "GET", `/api/exports/${e.id}`, { token: TOKEN_A })).status).toBe(200)
    }
  })
})
