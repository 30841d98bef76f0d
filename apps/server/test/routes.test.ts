/**
 * How requests reach a route (Routes, Api), against a real `skyporter serve`
 * on loopback: raw request paths (dot segments, `//`, other target forms)
 * never match another route and never answer 500; query parameters a route
 * does not take are 400, whatever their name; HEAD is answered as GET.
 */
import * as net from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { completedExport, DID_A, expectError, POSTS, request, seededArchive, serve, type Served } from "./support.js"

const fixture = seededArchive()
let server: Served
const url = () => server.url

beforeAll(async () => {
  // Batches of POSTS: an export of one DID is one batch, which starts no reader thread.
  server = await serve({ db: fixture.db, out: path.join(fixture.dir, "out"), batchSize: POSTS })
})
afterAll(async () => {
  await server?.stop()
})

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
      // The absolute form a proxy may send is its path, as RFC 9112 asks.
      [`http://127.0.0.1:${port}/api/accounts`, 200, ""]
    ]
    for (const [target, status, code] of cases) {
      const r = await rawRequest(`GET ${target} HTTP/1.1`)
      expect(r.status, target).toBe(status)
      expect(r.headers["content-type"], target).toMatch(/^application\/json/)
      if (code !== "") expect(JSON.parse(r.body).error.code, target).toBe(code)
    }
    expect(server.stderr()).not.toContain("internal error")
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

  it("answers HEAD like GET without a body, holding no stream or download", async () => {
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
    // Nothing held: 10 downloads per DID are still available.
    const downloads = await Promise.all(
      Array.from({ length: 10 }, () => fetch(new URL(`/api/exports/${done.id}/download`, url())))
    )
    for (const d of downloads) {
      expect(d.status).toBe(200)
      await d.arrayBuffer()
    }
    await request(url(), "DELETE", `/api/exports/${done.id}`)
  })
})

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
