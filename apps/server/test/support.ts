/**
 * Helpers for the server tests: a real seeded archive, `skyporter serve` as
 * a subprocess on a free loopback port (it prints its URL), one such server
 * shared by a file's tests (`useServer`), a small fetch
 * client, an SSE reader, and checks of what is on disk.
 */
import { Synthetic } from "@skyporter/testkit"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect } from "vitest"
import { fileTempDir as makeFileTempDir, tempDir as makeTempDir } from "../../../testing/tempDir.mts"

/** The `skyporter` launcher of the CLI package (built before these tests; see turbo.json). */
export const LAUNCHER = fileURLToPath(new URL("../../cli/bin/skyporter.js", import.meta.url))
export const SLOW_PLUGIN = fileURLToPath(new URL("./fixtures/slow-plugin.mjs", import.meta.url))
/** A plugin whose format "stalljson" waits a minute before each batch: an export that runs until cancelled. */
export const STALL_PLUGIN = fileURLToPath(new URL("./fixtures/stall-plugin.mjs", import.meta.url))

export const DID_A = "did:plc:servertestaaaaaaaaaaaaaa"
export const DID_B = "did:plc:servertestbbbbbbbbbbbbbb"
export const DID_C = "did:plc:servertestcccccccccccccc"
export const POSTS = 1_000

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A new empty temporary folder, removed after the test (after the file, when made outside a test). */
export const tempDir = (): string => makeTempDir("skyporter-server-test-")

/** A new empty temporary folder removed after the file's tests: for a server that outlives its test. */
export const fileTempDir = (): string => makeFileTempDir("skyporter-server-test-")

/** A temporary folder with an archive of POSTS posts for each of DID_A, DID_B and DID_C, made once per test file. */
export const seededArchive = (): { dir: string; db: string } => {
  const fixture = { dir: "", db: "" }
  beforeAll(() => {
    fixture.dir = tempDir()
    fixture.db = path.join(fixture.dir, "archive.db")
    for (const [i, did] of [DID_A, DID_B, DID_C].entries()) {
      Synthetic.seedArchive(fixture.db, { posts: POSTS, did, seed: i + 1, otherDids: 0 })
    }
  })
  afterAll(() => rmSync(fixture.dir, { recursive: true, force: true }))
  return fixture
}

export interface ServeOptions {
  readonly db: string
  readonly out: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string>
  /**
   * Also load the slow test plugin (format "slowjson", for exports that must run long enough to
   * watch, queue behind or cancel): the server then runs the installed modules, not the bundle.
   */
  readonly slow?: boolean
  /** Posts per batch (default 100: an export of POSTS posts has 10 batches, each a progress event). */
  readonly batchSize?: number
  /** Run the server as this user (and group): how a test as root gets an archive it cannot write. */
  readonly user?: { readonly uid: number; readonly gid: number }
}

export interface Served {
  readonly url: string
  readonly child: ChildProcess
  readonly stderr: () => string
  /** SIGTERM (or `signal`), then the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
  readonly exited: Promise<number | null>
}

/** Starts `skyporter serve --port 0 …` (with `--plugin SLOW_PLUGIN` if `slow`) and waits for the URL it prints. */
export const serve = async (options: ServeOptions): Promise<Served> => {
  const child = spawn(
    process.execPath,
    [
      LAUNCHER,
      "serve",
      "--db",
      options.db,
      "--out",
      options.out,
      "--port",
      "0",
      ...(options.slow === true ? ["--plugin", SLOW_PLUGIN] : []),
      "--batch-size",
      String(options.batchSize ?? 100),
      ...(options.args ?? [])
    ],
    { env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"], ...options.user }
  )
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (d: Buffer) => (stdout += d))
  child.stderr!.on("data", (d: Buffer) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = stdout.split("\n")[0]
      if (stdout.includes("\n") && line) {
        clearInterval(timer)
        resolve(line)
      }
    }, 20)
    void exited.then((code) => {
      clearInterval(timer)
      reject(new Error(`skyporter serve exited ${code} before listening:\n${stderr}`))
    })
  })
  return {
    url,
    child,
    stderr: () => stderr,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal)
      return exited
    }
  }
}

/** The server a test file shares (see `useServer`): `out` and `server` once its beforeAll has run. */
export interface SharedServer {
  /** The file's seeded archive (see `seededArchive`). */
  readonly fixture: { readonly dir: string; readonly db: string }
  /** The server's `--out`: `out` in the archive's folder. */
  readonly out: string
  readonly server: Served
  /** The server's base URL. */
  readonly url: () => string
}

/**
 * One `skyporter serve` for the calling file's tests, on its own seeded archive: started before
 * them (with `options`, or what `options` makes of the archive's folder, e.g. an auth file
 * written there) and stopped after them.
 */
export const useServer = (
  options: Omit<ServeOptions, "db" | "out"> | ((dir: string) => Omit<ServeOptions, "db" | "out">) = {}
): SharedServer => {
  const fixture = seededArchive()
  let out = ""
  let server: Served | undefined
  beforeAll(async () => {
    out = path.join(fixture.dir, "out")
    server = await serve({ ...(typeof options === "function" ? options(fixture.dir) : options), db: fixture.db, out })
  })
  afterAll(async () => {
    await server?.stop()
  })
  const shared: SharedServer = {
    fixture,
    get out() {
      return out
    },
    get server() {
      if (server === undefined) throw new Error("the shared server starts in the file's beforeAll")
      return server
    },
    url: () => shared.server.url
  }
  return shared
}

/**
 * Starts `skyporter serve` on `db`, sends `signal` after `delay` ms (0: while it loads) and
 * expects it to exit within 15 s.
 */
export const expectStopsOn = async (signal: NodeJS.Signals, delay: number, db: string, out: string): Promise<void> => {
  const child = spawn(process.execPath, [LAUNCHER, "serve", "--db", db, "--out", out, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (code, sig) => resolve({ code, signal: sig }))
  )
  await sleep(delay)
  const sent = Date.now()
  child.kill(signal)
  const end = await Promise.race([exited, sleep(15_000).then(() => "hung" as const)])
  if (end === "hung") child.kill("SIGKILL")
  expect(end, `${signal} after ${delay} ms`).not.toBe("hung")
  expect(Date.now() - sent).toBeLessThan(15_000)
}

/** Runs `skyporter serve` expecting it to refuse to start; its exit code and stderr. */
export const serveRefused = (args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [LAUNCHER, "serve", ...args], { encoding: "utf8", timeout: 60_000 })
  return { code: r.status, stderr: r.stderr, stdout: r.stdout }
}

export interface Reply<T = any> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
  readonly text: string
}

/** One API request; the body is parsed as JSON when it is JSON. */
export const request = async <T = any>(
  base: string,
  method: string,
  route: string,
  init: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string>; token?: string } = {}
): Promise<Reply<T>> => {
  const headers: Record<string, string> = { ...init.headers }
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
  let body: string | Uint8Array | undefined = init.raw
  if (init.body !== undefined) {
    body = JSON.stringify(init.body)
    headers["content-type"] ??= "application/json"
  }
  const res = await fetch(new URL(route, base), { method, headers, body })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text }
}

export interface SseEvent {
  readonly id: string | undefined
  readonly event: string
  readonly data: any
}

/** Reads an SSE stream to its end: its events and comment lines. */
export const readEvents = async (
  base: string,
  route: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; contentType: string | null; events: Array<SseEvent>; comments: Array<string> }> => {
  const res = await fetch(new URL(route, base), { headers })
  const text = await res.text()
  const events: Array<SseEvent> = []
  const comments: Array<string> = []
  if (res.status !== 200) return { status: res.status, contentType: res.headers.get("content-type"), events, comments }
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue
    let id: string | undefined
    let event = "message"
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comments.push(line.slice(1).trim())
      else if (line.startsWith("id: ")) id = line.slice(4)
      else if (line.startsWith("event: ")) event = line.slice(7)
      else if (line.startsWith("data: ")) data.push(line.slice(6))
    }
    if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join("\n")) })
  }
  return { status: res.status, contentType: res.headers.get("content-type"), events, comments }
}

/** An answer that must be the API's error shape, `{"error": {code, message}}`, with this status and code. */
export const expectError = (r: { status: number; body: any }, status: number, code: string): void => {
  expect(r.status, JSON.stringify(r.body)).toBe(status)
  expect(Object.keys(r.body)).toEqual(["error"])
  expect(r.body.error.code).toBe(code)
  expect(typeof r.body.error.message).toBe("string")
  expect(r.body.error.message.length).toBeGreaterThan(0)
}

/** An export of `did` run to completion; its item. */
export const completedExport = async (base: string, did: string, format = "json") => {
  const item = await startExport(base, { did, format })
  expect(await finished(base, item.id)).toBe("completed")
  return item
}

/** Starts an export that must be accepted; its item. */
export const startExport = async (base: string, body: Record<string, unknown>, token?: string) => {
  const r = await request(base, "POST", "/api/exports", { body, ...(token === undefined ? {} : { token }) })
  if (r.status !== 202) throw new Error(`POST /api/exports: ${r.status} ${r.text}`)
  return r.body
}

/** Waits for the export's final event (through SSE); returns its name. */
export const finished = async (base: string, id: string, token?: string): Promise<string> => {
  const { events } = await readEvents(
    base,
    `/api/exports/${id}/events`,
    token ? { authorization: `Bearer ${token}` } : {}
  )
  return events[events.length - 1]!.event
}

/** Every path under `dir` (dot-entries included), relative and sorted. */
export const tree = (dir: string): Array<string> =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as Array<string>).sort() : []

/** Entries whose name starts with the core's temporary prefix. */
export const temporaries = (dir: string): Array<string> =>
  tree(dir).filter((p) => path.basename(p).startsWith(".skyporter-tmp-"))

export const writeAuthFile = (dir: string, tokens: ReadonlyArray<{ token: string; did: string }>): string => {
  const file = path.join(dir, "auth.json")
  writeFileSync(file, JSON.stringify({ tokens }))
  return file
}

/** Checks a ZIP with two independent readers: `unzip -t` and Python's zipfile (CRCs, names, posts.json parses). */
export const verifyZip = (file: string): { names: Array<string>; posts: number; manifest: any } => {
  const unzip = spawnSync("unzip", ["-t", file], { encoding: "utf8" })
  if (unzip.error !== undefined) throw new Error(`unzip is not installed (.ci/run installs it): ${unzip.error.message}`)
  if (unzip.status !== 0) throw new Error(`unzip -t failed:\n${unzip.stdout}${unzip.stderr}`)
  const py = spawnSync(
    "python3",
    [
      "-c",
      `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None:
    raise SystemExit("bad CRC: " + bad)
names = z.namelist()
posts = json.loads(z.read("posts.json"))
manifest = json.loads(z.read("manifest.json"))
print(json.dumps({"names": names, "posts": len(posts), "manifest": manifest}))
`,
      file
    ],
    { encoding: "utf8" }
  )
  if (py.status !== 0) throw new Error(`python zipfile failed:\n${py.stderr}`)
  return JSON.parse(py.stdout)
}
