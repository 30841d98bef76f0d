/**
 * `POST /api/imports` against a real `skyporter serve` on loopback, with
 * real signed repository CARs written by the reference implementation
 * (@atproto/repo): the account appears and exports; the size cap; a token
 * bound to a DID; a bad CAR leaves the archive byte for byte as it was;
 * a read-only archive; cross-site uploads; an import waits for a running
 * export, which sees none of it.
 */
import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { request as send } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  DID_A,
  fileTempDir,
  finished,
  LAUNCHER,
  POSTS,
  sleep,
  request,
  seededArchive,
  serve,
  type Served,
  startExport,
  temporaries,
  writeAuthFile
} from "./support.js"

const fixture = seededArchive()
const CAR_TYPE = { "content-type": "application/vnd.ipld.car" }
const TOKEN_OWN = "token-for-the-importing-account-0123456789"
const TOKEN_ALL = "token-for-every-account-0123456789abcdef"

let built: Repos.Built
let other: Repos.Built
const servers: Array<Served> = []

beforeAll(async () => {
  built = await Repos.build(Repos.catalog(36))
  other = await Repos.build(Repos.catalog(4), Repos.OTHER)
}, 120_000)

afterAll(async () => {
  for (const s of servers) await s.stop()
})

interface StartOptions {
  /** Posts per batch (default POSTS: an export of one DID is one batch, which starts no reader thread). */
  readonly batchSize?: number
  readonly args?: (dir: string) => ReadonlyArray<string>
  readonly env?: Record<string, string>
  /** Load the slow test plugin (format "slowjson"). */
  readonly slow?: boolean
}

/** A copy of the seeded archive and a server on it. */
const start = async (options: StartOptions = {}): Promise<Started> => {
  // Its server runs until the file's end (afterAll), and the shared one serves several tests.
  const dir = fileTempDir()
  const db = path.join(dir, "archive.db")
  copyFileSync(fixture.db, db)
  const out = path.join(dir, "out")
  const server = await serve({
    db,
    out,
    batchSize: options.batchSize ?? POSTS,
    args: options.args?.(dir) ?? [],
    env: options.env ?? {},
    slow: options.slow === true
  })
  servers.push(server)
  return { dir, db, out, url: server.url, server }
}

interface Started {
  readonly dir: string
  readonly db: string
  readonly out: string
  readonly url: string
  readonly server: Served
}

// One server (on its own copy of the archive) for the tests that need no option of their own but
// MAX_UPLOAD, which every CAR here is far below. The first test imports into it, so it runs first;
// the others check the archive before and after. Its slow test plugin (3 s before a batch) is for
// the one export that must outlast an upload.
const MAX_UPLOAD = 1024 * 1024
let shared: Promise<Started> | undefined
const sharedServer = () =>
  (shared ??= start({
    slow: true,
    args: () => ["--max-upload", "1MiB"],
    env: { SKYPORTER_TEST_DELAY_MS: "3000" }
  }))

const hash = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex")

const postsOf = (db: string, did: string) => {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(did) as number
  } finally {
    d.close()
  }
}

const upload = (url: string, body: Uint8Array, headers: Record<string, string> = {}) =>
  request(url, "POST", "/api/imports", { raw: body, headers: { ...CAR_TYPE, ...headers } })

describe("POST /api/imports", () => {
  it("imports an uploaded repository, lists the account, and exports it", async () => {
    const { url, db, out } = await sharedServer()
    const r = await upload(url, built.car)
    expect(r.status, r.text).toBe(201)
    expect(r.body).toMatchObject({
      did: Repos.DID,
      posts: built.rkeys.length,
      inserted: built.rkeys.length,
      account: { did: Repos.DID, posts: built.rkeys.length }
    })
    expect(r.body.skipped_records).toBeGreaterThan(0) // likes, follows, reposts, the profile
    expect(postsOf(db, Repos.DID)).toBe(built.rkeys.length)
    const accounts = await request(url, "GET", "/api/accounts")
    expect(accounts.body.accounts).toContainEqual({ did: Repos.DID, handle: null, posts: built.rkeys.length })
    // The upload's temporary file is gone.
    expect(temporaries(out)).toEqual([])

    const item = await startExport(url, { did: Repos.DID, format: "json" })
    expect(await finished(url, item.id)).toBe("completed")
    const done = await request(url, "GET", `/api/exports/${item.id}`)
    expect(done.body.post_count).toBe(built.rkeys.length)

    // The same CAR again: nothing new, nothing changed.
    const again = await upload(url, built.car)
    expect(again.status, again.text).toBe(201)
    expect(again.body).toMatchObject({ inserted: 0, updated: 0, unchanged: built.rkeys.length })
  })

  it("refuses an upload past --max-upload with 413, on the declared length and on the bytes", async () => {
    const { url, db, out } = await sharedServer()
    const before = hash(db)
    // A repository followed by padding, one byte past the cap.
    expect(built.car.length).toBeLessThan(MAX_UPLOAD)
    const big = Buffer.concat([built.car, Buffer.alloc(MAX_UPLOAD + 1 - built.car.length)])
    const declared = await upload(url, big)
    expect(declared.status).toBe(413)
    expect(declared.body.error.code).toBe("payload_too_large")
    expect(declared.body.error.message).toContain("1 MiB")
    // Chunked (no Content-Length): counted as it arrives.
    const res = await fetch(new URL("/api/imports", url), {
      method: "POST",
      headers: CAR_TYPE,
      body: new Blob([big]).stream(),
      duplex: "half"
    } as RequestInit)
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe("payload_too_large")
    expect(hash(db)).toBe(before)
    expect(temporaries(out)).toEqual([])
  })

  it("refuses truncated, byte-flipped and non-CAR uploads with 422, the archive unchanged", async () => {
    const { url, db, out, dir } = await sharedServer()
    const before = hash(db)
    const flipped = Buffer.from(built.car)
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff
    for (const body of [built.car.subarray(0, built.car.length - 100), flipped, Buffer.from("not a CAR file at all")]) {
      const r = await upload(url, body)
      expect(r.status, r.text).toBe(422)
      expect(r.body.error.code).toBe("invalid_car")
      expect(r.body.error.message).toContain("the uploaded CAR")
      expect(r.body.error.message).not.toContain(dir)
      expect(r.body.error.message).not.toContain(".skyporter-tmp-")
    }
    const empty = await upload(url, new Uint8Array(0))
    expect(empty.status).toBe(400)
    expect(hash(db)).toBe(before)
    expect(temporaries(out)).toEqual([])
    const wrongType = await request(url, "POST", "/api/imports", {
      raw: built.car,
      headers: { "content-type": "text/plain" }
    })
    expect(wrongType.status).toBe(415)
  })

  it("lets a DID token import only its own repository", async () => {
    const { url, db, dir } = await start({
      args: (folder) => [
        "--auth",
        writeAuthFile(folder, [
          { token: TOKEN_OWN, did: Repos.DID },
          { token: TOKEN_ALL, did: "*" }
        ])
      ]
    })
    const before = hash(db)
    const anonymous = await upload(url, built.car)
    expect(anonymous.status).toBe(401)
    const mismatch = await upload(url, other.car, { authorization: `Bearer ${TOKEN_OWN}` })
    expect(mismatch.status, mismatch.text).toBe(403)
    expect(mismatch.body.error.code).toBe("did_mismatch")
    expect(mismatch.body.error.message).toContain(Repos.OTHER)
    expect(mismatch.body.error.message).toContain(Repos.DID)
    expect(mismatch.body.error.message).not.toContain(dir)
    expect(hash(db)).toBe(before)
    expect(postsOf(db, Repos.OTHER)).toBe(0)

    const own = await upload(url, built.car, { authorization: `Bearer ${TOKEN_OWN}` })
    expect(own.status, own.text).toBe(201)
    expect(own.body.did).toBe(Repos.DID)
    const any = await upload(url, other.car, { authorization: `Bearer ${TOKEN_ALL}` })
    expect(any.status, any.text).toBe(201)
    expect(postsOf(db, Repos.OTHER)).toBe(other.rkeys.length)
  })

  // As root, permissions do not stop a write, so the server runs as nobody, who must be able to run
  // this Node binary and reach the repository (not so when either lies under root's home).
  const nobodyCanServe =
    process.getuid?.() !== 0 ||
    spawnSync(process.execPath, [LAUNCHER, "--version"], { uid: 65534, gid: 65534, timeout: 30_000 }).status === 0

  it.skipIf(!nobodyCanServe)("refuses politely when the archive is read-only", async () => {
    const dir = fileTempDir()
    const db = path.join(dir, "archive.db")
    copyFileSync(fixture.db, db)
    const out = path.join(dir, "out")
    mkdirSync(out)
    // As root, permissions do not stop a write: the server then runs as nobody, who may read the archive only.
    const asRoot = process.getuid?.() === 0
    const user = asRoot ? { uid: 65534, gid: 65534 } : undefined
    chmodSync(dir, asRoot ? 0o755 : 0o555)
    chmodSync(db, 0o444)
    if (asRoot) chownSync(out, 65534, 65534)
    const before = hash(db)
    try {
      const server = await serve({ db, out, batchSize: POSTS, ...(user === undefined ? {} : { user }) })
      servers.push(server)
      const r = await upload(server.url, built.car)
      expect(r.status, r.text).toBe(409)
      expect(r.body.error.code).toBe("archive_read_only")
      expect(hash(db)).toBe(before)
      // It still exports.
      const item = await startExport(server.url, { did: DID_A, format: "json" })
      expect(await finished(server.url, item.id)).toBe("completed")
    } finally {
      chmodSync(dir, 0o755)
    }
  })

  it("refuses a cross-site upload and one by another Host", async () => {
    const { url, db } = await sharedServer()
    const before = hash(db)
    const port = new URL(url).port
    for (const headers of [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: `http://other.localhost:${port}` }
    ]) {
      const r = await upload(url, built.car, headers)
      expect(r.status, JSON.stringify(headers)).toBe(403)
      expect(r.body.error.code).toBe("cross_site_request")
    }
    // A DNS-rebinding page: its Host is its own name.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = send(
        {
          host: "127.0.0.1",
          port: Number(port),
          method: "POST",
          path: "/api/imports",
          headers: { ...CAR_TYPE, host: `evil.example:${port}` }
        },
        (res) => (res.resume(), resolve(res.statusCode ?? 0))
      )
      req.on("error", reject)
      req.end(built.car)
    })
    expect(rebound).toBe(421)
    expect(hash(db)).toBe(before)
  })

  it("refuses an upload that sends nothing for the idle time (408), and a slow one never holds up the others", async () => {
    const { url, db, out } = await start({ args: () => ["--upload-idle-ms", "1000"] })
    const target = new URL(url)
    // Declares a megabyte, then sends a byte every 200 ms, then stops.
    const slow = new Promise<{ status: number; body: any; connection: string | undefined }>((resolve, reject) => {
      const req = send(
        {
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: "/api/imports",
          headers: { ...CAR_TYPE, "content-length": "1000000" }
        },
        (res) => {
          let text = ""
          res.on("data", (d) => (text += d))
          res.on("end", () =>
            resolve({ status: res.statusCode!, body: JSON.parse(text), connection: res.headers.connection })
          )
        }
      )
      req.on("error", reject)
      let sent = 0
      const timer = setInterval(() => {
        req.write("x")
        if (++sent === 10) clearInterval(timer)
      }, 200)
    })
    const uploading = () => temporaries(out).some((p) => p.endsWith(".car"))
    for (let i = 0; i < 1_000 && !uploading(); i++) await sleep(10)
    expect(uploading(), "the slow upload's temporary file").toBe(true)
    // Another upload is received and imported while the slow one trickles.
    const other_ = await upload(url, other.car)
    expect(other_.status, other_.text).toBe(201)
    expect(postsOf(db, Repos.OTHER)).toBe(other.rkeys.length)
    const refused = await slow
    expect(refused.status).toBe(408)
    expect(refused.body.error.code).toBe("upload_timeout")
    expect(refused.body.error.message).toContain("sent nothing for 1 second ")
    expect(refused.connection).toBe("close")
    expect(temporaries(out)).toEqual([])
    // The import place is free: the next upload is imported.
    const again = await upload(url, built.car)
    expect(again.status, again.text).toBe(201)
  })

  it("waits for a running export, which sees none of the import", async () => {
    // One batch, 3 s before it: the export runs for seconds, even on a busy machine.
    const { url, db, out } = await sharedServer()
    const item = await startExport(url, { did: DID_A, format: "slowjson" })
    expect(item.status).toBe("running")
    // The import's write waits until the export is done; an upload received meanwhile waits its turn.
    const imported = upload(url, other.car)
    const uploading = () => temporaries(out).some((p) => p.endsWith(".car"))
    for (let i = 0; i < 1_000 && !uploading(); i++) await sleep(10)
    expect(uploading(), "the first upload's temporary file").toBe(true)
    const next = upload(url, built.car)
    const r = await imported
    expect(r.status, r.text).toBe(201)
    const second = await next
    expect(second.status, second.text).toBe(201)
    expect(second.body.did).toBe(built.did)
    const done = await request(url, "GET", `/api/exports/${item.id}`)
    expect(done.body.status).toBe("completed")
    expect(done.body.post_count).toBe(POSTS)
    expect(postsOf(db, Repos.OTHER)).toBe(other.rkeys.length)
  })
})
