/**
 * How requests reach a route (Routes, Api), against a real `skyporter serve`
 * on loopback: raw request paths (dot segments, `//`, other target forms)
 * never match another route and never answer 500 (an absolute-form target
 * whose path resolution would change is 400); query parameters a route
 * does not take are 400, whatever their name; HEAD is answered as GET
 * without a body, holding no event stream and no download slot.
 */
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  completedExport,
  DID_A,
  DID_B,
  DID_C,
  expectError,
  POSTS,
  request,
  STALL_PLUGIN,
  startExport,
  useServer
} from "./support.js"

// Batches of POSTS: an export of one DID is one batch, which starts no reader thread.
const shared = useServer({ batchSize: POSTS, args: ["--plugin", STALL_PLUGIN] })
const { url } = shared

describe("routes", () => {
  it("answers malformed request paths with 404 or 400 and the JSON error, never 500", async () => {
    const port = new URL(url()).port
    const cases: Array<[string, number, string]> = [
      ["/api/exports/x/../../accounts", 404, "not_found"],
      ["/api/exports/../accounts", 404, "not_found"],
      ["/api/./accounts", 404, "not_found"],
      ["/api//accounts", 404, "not_found"],
      ["//evil.example/api/exports", 404, "not_found"],
      ["//evil.example/api/accounts?x=1", 404, "not_found"],
      ["/api/exports/%2e%2e/events", 404, "not_found"],
      ["/./", 404, "not_found"],
      ["*", 400, "invalid_request"],
      // The absolute form a proxy may send is its path, as RFC 9112 asks…
      [`http://127.0.0.1:${port}/api/accounts`, 200, ""],
      [`http://127.0.0.1:${port}/api/accounts?`, 200, ""],
      // …unless resolving it would change the path: refused, as no origin-form path is ever resolved.
      [`http://127.0.0.1:${port}/api/exports/x/../../accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api/exports/../accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api/./accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api/exports/%2e%2e/accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api/exports/%2E./accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api/accounts/..`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}/api//accounts`, 400, "invalid_request"],
      [`http://127.0.0.1:${port}//api/accounts`, 400, "invalid_request"],
      [`HTTP://127.0.0.1:${port}/api/exports/x/../../accounts?x=1`, 400, "invalid_request"]
    ]
    for (const [target, status, code] of cases) {
      const r = await rawRequest(`GET ${target} HTTP/1.1`)
      expect(r.status, target).toBe(status)
      expect(r.headers["content-type"], target).toMatch(/^application\/json/)
      if (code !== "") expect(JSON.parse(r.body).error.code, target).toBe(code)
    }
    expect(shared.server.stderr()).not.toContain("internal error")
  })

  it("refuses query parameters a route does not take (400), whatever their name, and says what limit allows", async () => {
    const done = await completedExport(url(), DID_A)
    const routes = [
      "/api/accounts",
      "/api/formats",
      "/api/session",
      `/api/exports/${done.id}`,
      `/api/exports/${done.id}/events`
    ]
    for (const route of routes) {
      for (const q of ["foo=1", "__proto__=1", "constructor=1", "toString="]) {
        const r = await request(url(), "GET", `${route}?${q}`)
        expectError(r, 400, "invalid_field")
        expect(r.body.error.message, `${route}?${q}`).toContain(q.split("=")[0])
        expect(r.body.error.message).not.toContain("twice")
      }
      expect((await request(url(), "GET", route)).status, route).toBe(200)
    }
    for (const q of ["__proto__=1", "constructor=1", "hasOwnProperty=1"]) {
      const r = await request(url(), "GET", `/api/exports?${q}`)
      expectError(r, 400, "invalid_field")
      expect(r.body.error.message).toContain(`unknown field "${q.split("=")[0]}"`)
    }
    expect((await request(url(), "GET", "/api/exports?limit=1&limit=2")).body.error.message).toContain("given twice")
    for (const limit of ["1e2", "0", "101", "-1", "1.5", "0x10", "", "abc"]) {
      const r = await request(url(), "GET", `/api/exports?limit=${limit}`)
      expectError(r, 400, "invalid_field")
      expect(r.body.error.message).toContain("limit: expected an integer from 1 to 100")
    }
    expect((await request(url(), "GET", "/api/exports?limit=100")).status).toBe(200)
    await request(url(), "DELETE", `/api/exports/${done.id}`)
  })

  it("answers HEAD like GET without a body", async () => {
    const done = await completedExport(url(), DID_A)
    const routes: Array<[string, RegExp]> = [
      ["/api/exports", /^application\/json/],
      ["/api/accounts", /^application\/json/],
      [`/api/exports/${done.id}`, /^application\/json/],
      [`/api/exports/${done.id}/events`, /^text\/event-stream/],
      [`/api/exports/${done.id}/download`, /^application\/zip/],
      ["/healthz", /^application\/json/],
      ["/", /^text\/html/]
    ]
    for (const [route, type] of routes) {
      const r = await fetch(new URL(route, url()), { method: "HEAD" })
      expect(r.status, route).toBe(200)
      expect(r.headers.get("content-type"), route).toMatch(type)
      expect(await r.text()).toBe("")
    }
    const head = await fetch(new URL(`/api/exports/${done.id}/download`, url()), { method: "HEAD" })
    expect(head.headers.get("content-disposition")).toMatch(/^attachment; filename="skyporter-.*\.zip"$/)
    const missing = await fetch(new URL(`/api/exports/${"A".repeat(40)}/events`, url()), { method: "HEAD" })
    expect(missing.status).toBe(404)
    const put = await request(url(), "PUT", "/api/exports")
    expectError(put, 405, "method_not_allowed")
    expect(put.body.error.message).toContain("GET, HEAD, POST")
    await request(url(), "DELETE", `/api/exports/${done.id}`)
  })

  it("answers HEAD of a running export's events at once, holding no stream, even past the cap on streams", async () => {
    const job = await startExport(url(), { did: DID_B, format: "stalljson" })
    const held: Array<http.ClientRequest> = []
    try {
      // The client's 32 streams all held: a 33rd GET is refused.
      for (let i = 0; i < 32; i++) {
        const r = await send("GET", `/api/exports/${job.id}/events`, () => undefined)
        held.push(r.req)
        expect(r.status).toBe(200)
      }
      expect((await send("GET", `/api/exports/${job.id}/events`, (res) => res.resume())).status).toBe(429)
      // 40 HEADs at once, each on its own connection: none needs a stream, each ends at once.
      const heads = await Promise.all(
        Array.from({ length: 40 }, () => send("HEAD", `/api/exports/${job.id}/events`, (res) => res.resume()))
      )
      for (const h of heads) {
        expect(h.status).toBe(200)
        expect(h.type).toMatch(/^text\/event-stream/)
        expect(h.ended).toBe(true)
      }
      // They left nothing behind: the 32 GETs still hold every place, no more.
      expect((await send("GET", `/api/exports/${job.id}/events`, (res) => res.resume())).status).toBe(429)
    } finally {
      for (const req of held) req.destroy()
      await request(url(), "DELETE", `/api/exports/${job.id}`)
    }
  })

  it("answers HEAD of a download without taking a download slot, while a GET would need one", async () => {
    const done = await completedExport(url(), DID_C)
    const name = Buffer.from(done.id, "base64url").toString().split("/")[1]!
    // Incompressible bytes make each ZIP far larger than the socket buffers: paused readers hold their download open.
    writeFileSync(path.join(shared.out, DID_C, name, "padding.jpg"), randomBytes(24 * 1024 * 1024))
    const held: Array<http.ClientRequest> = []
    try {
      // The DID's 10 downloads all held.
      for (let i = 0; i < 10; i++) {
        const r = await send("GET", `/api/exports/${done.id}/download`, (res) => res.pause())
        held.push(r.req)
        expect(r.status).toBe(200)
      }
      expectError(await request(url(), "GET", `/api/exports/${done.id}/download`), 429, "too_many_downloads")
      // HEAD reads no file (files are read under a download slot only): its headers come all the same.
      const head = await fetch(new URL(`/api/exports/${done.id}/download`, url()), { method: "HEAD" })
      expect(head.status).toBe(200)
      expect(head.headers.get("content-type")).toBe("application/zip")
      expect(head.headers.get("content-disposition")).toMatch(/^attachment; filename="skyporter-.*\.zip"$/)
      expect(await head.text()).toBe("")
    } finally {
      for (const req of held) req.destroy()
      await request(url(), "DELETE", `/api/exports/${done.id}`)
    }
  })
})

/**
 * A request on its own connection; resolves once its head arrived (after `onResponse`), with
 * `ended` telling whether the response had also ended within 5 s.
 */
const send = (method: string, route: string, onResponse: (res: http.IncomingMessage) => void) =>
  new Promise<{ status: number; type: string | undefined; ended: boolean; req: http.ClientRequest }>(
    (resolve, reject) => {
      const req = http.request(new URL(route, url()), { method, agent: false }, (res) => {
        onResponse(res)
        if (method !== "HEAD" && res.statusCode === 200) {
          resolve({ status: 200, type: res.headers["content-type"], ended: false, req })
          return
        }
        const timer = setTimeout(() => resolve({ status: res.statusCode!, type: undefined, ended: false, req }), 5_000)
        res.on("end", () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode!, type: res.headers["content-type"], ended: true, req })
        })
      })
      req.on("error", reject)
      req.end()
    }
  )

/** One request sent as raw bytes (a request line no client library would send); its status, headers and body. */
const rawRequest = (line: string) =>
  new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const target = new URL(url())
    const socket = net.connect(Number(target.port), target.hostname, () =>
      socket.write(`${line}\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`)
    )
    let text = ""
    socket.setEncoding("latin1")
    socket.on("data", (d: string) => (text += d))
    socket.on("error", reject)
    socket.on("end", () => {
      const [head = "", ...rest] = text.split("\r\n\r\n")
      const [statusLine = "", ...lines] = head.split("\r\n")
      const headers: Record<string, string> = {}
      for (const l of lines) {
        const i = l.indexOf(":")
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") })
    })
  })
