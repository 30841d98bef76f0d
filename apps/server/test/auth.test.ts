/**
 * `--auth`: bearer tokens bound to a DID or to every DID. A token sees and
 * touches only its DID's exports; anyone else's answer 404, exactly as if
 * they did not exist. A handle in a new export's `did` is looked up among
 * the accounts the token may export.
 */
import Database from "better-sqlite3"
import { beforeAll, describe, expect, it } from "vitest"
import {
  DID_A,
  DID_B,
  DID_C,
  expectError,
  finished,
  POSTS,
  readEvents,
  request,
  startExport,
  tree,
  useServer,
  writeAuthFile
} from "./support.js"

const TOKEN_A = "token-for-a-0123456789abcdef"
const TOKEN_B = "token-for-b-0123456789abcdef"
const TOKEN_ALL = "token-for-all-0123456789abcd"

// Batches of POSTS: an export of one DID is one batch, which starts no thread.
const shared = useServer((dir) => {
  const auth = writeAuthFile(dir, [
    { token: TOKEN_A, did: DID_A },
    { token: TOKEN_B, did: DID_B },
    { token: TOKEN_ALL, did: "*" }
  ])
  return { batchSize: POSTS, args: ["--auth", auth] }
})
const { url } = shared
let exportA: any
let exportB: any

beforeAll(async () => {
  exportA = await startExport(url(), { did: DID_A, format: "json" }, TOKEN_A)
  exportB = await startExport(url(), { did: DID_B, format: "json" }, TOKEN_B)
  expect(await finished(url(), exportA.id, TOKEN_A)).toBe("completed")
  expect(await finished(url(), exportB.id, TOKEN_B)).toBe("completed")
})

describe("authentication", () => {
  it("answers 401 without a token or with a wrong one, and never echoes it", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: "Bearer nope" },
      { authorization: `Basic ${TOKEN_A}` },
      { authorization: `Bearer ${TOKEN_A}x` }
    ]
    for (const headers of attempts) {
      const r = await request(url(), "GET", "/api/exports", { headers })
      expect(r.status).toBe(401)
      expect(r.body.error.code).toBe("unauthorized")
      expect(r.headers.get("www-authenticate")).toBe("Bearer")
      expect(r.text).not.toContain(TOKEN_A)
    }
    const post = await request(url(), "POST", "/api/exports", { body: { did: DID_A, format: "json" } })
    expect(post.status).toBe(401)
    // The page and the health check need no token.
    expect((await request(url(), "GET", "/")).status).toBe(200)
    expect((await request(url(), "GET", "/healthz")).status).toBe(200)
    expect(shared.server.stderr()).not.toContain(TOKEN_A)
  })

  it("lets a DID token list only its own exports", async () => {
    const mine = await request(url(), "GET", "/api/exports", { token: TOKEN_A })
    expect(mine.body.exports.map((e: any) => e.id)).toEqual([exportA.id])
    const theirs = await request(url(), "GET", `/api/exports?did=${encodeURIComponent(DID_B)}`, { token: TOKEN_A })
    expect(theirs.status).toBe(200)
    expect(theirs.body).toEqual({ exports: [], next_cursor: null })
    const all = await request(url(), "GET", "/api/exports", { token: TOKEN_ALL })
    expect(all.body.exports.map((e: any) => e.id).sort()).toEqual([exportA.id, exportB.id].sort())
    const session = await request(url(), "GET", "/api/session", { token: TOKEN_A })
    expect(session.body).toEqual({ did: DID_A, auth: true })
  })

  it("answers 404 to token A for everything of DID B: show, watch, download, delete", async () => {
    const before = tree(shared.out)
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/events"],
      ["GET", "/download"],
      ["POST", "/download-link"],
      ["DELETE", ""]
    ] as const) {
      const r = await request(url(), method, `/api/exports/${exportB.id}${suffix}`, { token: TOKEN_A })
      expect(r.status, `${method} ${suffix}`).toBe(404)
      expect(r.body.error.code).toBe("not_found")
      // Exactly like an id that does not exist.
      const missing = Buffer.from(`${DID_B}/2001-01-01_00-00-00`).toString("base64url")
      const r2 = await request(url(), method, `/api/exports/${missing}${suffix}`, { token: TOKEN_A })
      expect(r2.status).toBe(404)
      expect(r2.body.error.code).toBe(r.body.error.code)
    }
    const events = await readEvents(url(), `/api/exports/${exportB.id}/events`, { authorization: `Bearer ${TOKEN_A}` })
    expect(events.status).toBe(404)
    expect(tree(shared.out)).toEqual(before)
    expect((await request(url(), "GET", `/api/exports/${exportB.id}`, { token: TOKEN_B })).status).toBe(200)
  })

  it("refuses to create an export of another DID (403)", async () => {
    const r = await request(url(), "POST", "/api/exports", { body: { did: DID_B, format: "json" }, token: TOKEN_A })
    expect(r.status).toBe(403)
    expect(r.body.error.code).toBe("forbidden")
  })

  it("downloads through a short-lived link, usable without the header", async () => {
    const link = await request(url(), "POST", `/api/exports/${exportA.id}/download-link`, { token: TOKEN_A })
    expect(link.status).toBe(201)
    expect(link.body.url).toMatch(new RegExp(`^/api/exports/${exportA.id}/download\\?ticket=`))
    const zip = await fetch(new URL(link.body.url, url()))
    expect(zip.status).toBe(200)
    expect(zip.headers.get("content-type")).toBe("application/zip")
    await zip.arrayBuffer()
    // A ticket is for its export only, and a forged one is no ticket.
    const ticket = new URL(link.body.url, url()).searchParams.get("ticket")!
    expect((await request(url(), "GET", `/api/exports/${exportB.id}/download?ticket=${ticket}`)).status).toBe(401)
    expect(
      (await request(url(), "GET", `/api/exports/${exportA.id}/download?ticket=${ticket.slice(0, -2)}xx`)).status
    ).toBe(401)
  })

  it("lets a DID token delete its own export", async () => {
    expect((await request(url(), "DELETE", `/api/exports/${exportA.id}`, { token: TOKEN_A })).status).toBe(204)
    expect((await request(url(), "DELETE", `/api/exports/${exportA.id}`, { token: TOKEN_A })).status).toBe(404)
  })
})

// Last: the exports it makes would show in the listings above.
describe("a handle for did", () => {
  it("names an account the token may export; another's handle is unknown to it, not forbidden", async () => {
    const db = new Database(shared.fixture.db)
    db.exec(`CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT);
      INSERT INTO profiles VALUES ('${DID_A}', 'alice.example.com'), ('${DID_B}', 'Bob.Example.com'),
        ('${DID_C}', 'carol.example.com'), ('did:plc:stalecarol', 'carol.example.com');`)
    db.close()
    /** A new export of `did` refused with 400 and exactly `message`. */
    const expectRefused = async (did: string, token: string, message: string) => {
      const r = await request(url(), "POST", "/api/exports", { body: { did, format: "json" }, token })
      expectError(r, 400, "invalid_field")
      expect(r.body.error.message).toBe(message)
    }

    const mine = await startExport(url(), { did: "@Alice.example.com", format: "json" }, TOKEN_A)
    expect(mine.did).toBe(DID_A)
    expect(await finished(url(), mine.id, TOKEN_A)).toBe("completed")

    // The same words whether another account has the handle or none has: nothing to learn of others.
    for (const handle of ["bob.example.com", "nobody.example.com"]) {
      await expectRefused(
        handle,
        TOKEN_A,
        `the account this token may export does not have the handle @${handle} (matched ignoring case)`
      )
    }
    const all = await startExport(url(), { did: "bob.example.com", format: "json" }, TOKEN_ALL)
    expect(all.did).toBe(DID_B)
    expect(await finished(url(), all.id, TOKEN_ALL)).toBe("completed")

    await expectRefused(
      "carol.example.com",
      TOKEN_ALL,
      `the handle @carol.example.com belongs to 2 DIDs in the archive (stale profiles): ${DID_C}, did:plc:stalecarol; ` +
        "give did the DID to export"
    )
    await expectRefused("xyz", TOKEN_ALL, 'did "xyz": expected a DID (did:plc:…) or a handle (alice.bsky.social)')
  })
})
