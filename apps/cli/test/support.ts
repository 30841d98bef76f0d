/**
 * Helpers for the CLI tests: run `skyporter` as a real subprocess, write
 * real SQLite archives in temporary folders, read exports back.
 */
import { Archive, ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect } from "vitest"
import { tempDir as makeTempDir } from "../../../testing/tempDir.mts"

/** The committed launcher of the `skyporter` binary. */
export const LAUNCHER = fileURLToPath(new URL("../bin/skyporter.js", import.meta.url))

/** The test format plugin (`--plugin`): JSON with injected failures, delays and batch markers. */
export const TEST_PLUGIN = fileURLToPath(new URL("./fixtures/test-plugin.mjs", import.meta.url))

export const TEMP_PREFIX = ".skyporter-tmp-"

/** Arguments of an export of `did` from `db` into `out` through the test plugin (testjson), in batches of 10. */
export const testPluginExport = (db: string, did: string, out: string): Array<string> => [
  "export",
  "--db",
  db,
  "--did",
  did,
  "--format",
  "testjson",
  "--plugin",
  TEST_PLUGIN,
  "--batch-size",
  "10",
  "--out",
  out
]

// ---------------------------------------------------------------------------
// Running the CLI

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly cwd: string
  readonly env?: Record<string, string>
}

export interface Running {
  readonly child: ChildProcess
  /** Everything the child wrote to stderr so far. */
  readonly stderr: () => string
  readonly done: Promise<RunResult>
}

/** Starts `node bin/skyporter.js ARGS` with stdin closed and stdout/stderr piped (not a TTY). */
export const start = (args: ReadonlyArray<string>, options: RunOptions): Running =>
  startCommand(process.execPath, [LAUNCHER, ...args], options)

/** Starts any command the way `start` starts the CLI (e.g. the CLI wrapped in `unshare` or `setpriv`). */
export const startCommand = (command: string, args: ReadonlyArray<string>, options: RunOptions): Running => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env }
  delete env.FORCE_COLOR
  const child = spawn(command, args, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const out: Array<Buffer> = []
  const err: Array<Buffer> = []
  child.stdout!.on("data", (b: Buffer) => out.push(b))
  child.stderr!.on("data", (b: Buffer) => err.push(b))
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8")
      })
    )
  })
  return { child, stderr: () => Buffer.concat(err).toString("utf8"), done }
}

/** Runs the CLI to its end. */
export const run = (args: ReadonlyArray<string>, options: RunOptions): Promise<RunResult> => start(args, options).done

/** Formats a result for assertion messages. */
export const show = (r: RunResult): string =>
  `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

/** Runs an export that must succeed; returns the published directory (stdout's one line). */
export const exportOk = async (args: ReadonlyArray<string>, options: RunOptions): Promise<string> => {
  const r = await run(["export", ...args], options)
  expect(r.code, show(r)).toBe(0)
  const lines = r.stdout.split("\n")
  expect(lines.length, show(r)).toBe(2)
  expect(lines[1]).toBe("")
  expect(path.isAbsolute(lines[0]!), show(r)).toBe(true)
  return lines[0]!
}

// ---------------------------------------------------------------------------
// Temporary folders and polling

/** A new empty temporary folder, removed after the test (after the file, when made outside a test). */
export const tempDir = (): string => makeTempDir("skyporter-cli-test-")

export const removeDir = (dir: string | undefined): void => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}

/** A temporary folder made before and removed after the calling file's tests. */
export const useTempDir = (): { readonly dir: string } => {
  const fixture = { dir: "" }
  beforeAll(() => {
    fixture.dir = tempDir()
  })
  afterAll(() => removeDir(fixture.dir))
  return fixture
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `condition` until it holds; fails after `timeoutMs` with `what`. */
export const waitFor = async (what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Whether process `pid` holds `file` open (Linux's /proc): a subprocess got as far as opening it. */
export const holdsOpen = (pid: number | undefined, file: string): boolean => {
  const fds = `/proc/${pid}/fd`
  try {
    return readdirSync(fds).some((fd) => {
      try {
        return readlinkSync(path.join(fds, fd)) === file
      } catch {
        return false // closed meanwhile
      }
    })
  } catch {
    return false // not started, or ended
  }
}

/** The entries of a folder; none when it is gone (a running export renames or sweeps its folders). */
const entriesOf = (folder: string) => {
  try {
    return readdirSync(folder, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return []
    throw e
  }
}

/**
 * Every path under `dir` (files and folders, dot-entries included), relative and sorted; [] when
 * missing. Safe to call while an export runs: a folder that vanishes mid-walk counts as empty.
 */
export const listTree = (dir: string): Array<string> => {
  if (!existsSync(dir)) return []
  const out: Array<string> = []
  const walk = (rel: string) => {
    for (const entry of entriesOf(path.join(dir, rel))) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`
      out.push(child)
      if (entry.isDirectory()) walk(child)
    }
  }
  walk("")
  return out.sort()
}

/** Temporary entries (`.skyporter-tmp-*`) anywhere under `dir`. */
export const tempEntries = (dir: string): Array<string> =>
  listTree(dir).filter((p) => path.basename(p).startsWith(TEMP_PREFIX))

/** Published export directories of `did` under `out` (names not starting with "."). */
export const exportDirs = (out: string, did: string): Array<string> => {
  const parent = path.join(out, did)
  if (!existsSync(parent)) return []
  return readdirSync(parent)
    .filter((n) => !n.startsWith("."))
    .sort()
}

// ---------------------------------------------------------------------------
// Reading an export

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex")

export interface Manifest {
  readonly export_format: string
  readonly plugin: { readonly name: string; readonly version: string }
  readonly skyporter_version: string
  readonly export_timestamp: string
  readonly did: string
  readonly date_range: { readonly since: string | null; readonly until: string | null }
  readonly post_count: number
  readonly media_count: number
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly sha256: string }>
  readonly missing_media: ReadonlyArray<{
    readonly hash: string
    readonly post_uri: string
    readonly file_path: string
    readonly reason: string
  }>
  readonly warnings: { readonly count: number; readonly messages: ReadonlyArray<string> }
}

export interface ExportContents {
  readonly manifest: Manifest
  /** The bytes of posts.<ext>. */
  readonly data: Buffer
}

/**
 * Reads a published export directory and checks it: exactly `posts.<ext>` and
 * `manifest.json`, and the manifest's file entry (bytes, sha256) matches the file on disk.
 */
export const readExport = (dir: string, ext: string): ExportContents => {
  expect(readdirSync(dir).sort()).toEqual(["manifest.json", `posts.${ext}`])
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Manifest
  const data = readFileSync(path.join(dir, `posts.${ext}`))
  expect(manifest.files).toEqual([{ path: `posts.${ext}`, bytes: data.length, sha256: sha256(data) }])
  expect(statSync(path.join(dir, `posts.${ext}`)).size).toBe(manifest.files[0]!.bytes)
  return { manifest, data }
}

/** The posts of a posts.json file. */
export const jsonPosts = (data: Buffer): Array<{ uri: string; text: string; did: string; created_at: string }> =>
  JSON.parse(data.toString("utf8"))

/**
 * A small RFC 4180 reader, independent of the encoder under test: the
 * records of a CSV text (a leading BOM skipped; fields in `"…"` may hold
 * `,`, `""`, CR and LF; records end with LF or CRLF outside quotes).
 */
export const parseCsv = (text: string): Array<Array<string>> => {
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text
  const records: Array<Array<string>> = []
  let record: Array<string> = []
  let field = ""
  let i = 0
  const endField = () => {
    record.push(field)
    field = ""
  }
  const endRecord = () => {
    endField()
    records.push(record)
    record = []
  }
  while (i < s.length) {
    const c = s[i]!
    if (c === '"' && field === "") {
      // A quoted field: up to the closing quote.
      i++
      for (;;) {
        if (i >= s.length) throw new Error("unterminated quoted field")
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += s[i]
        i++
      }
      const next = s[i]
      if (next !== undefined && next !== "," && next !== "\n" && !(next === "\r" && s[i + 1] === "\n")) {
        throw new Error(`garbage after a quoted field at ${i}`)
      }
      continue
    }
    if (c === ",") {
      endField()
      i++
    } else if (c === "\n") {
      endRecord()
      i++
    } else if (c === "\r" && s[i + 1] === "\n") {
      endRecord()
      i += 2
    } else {
      field += c
      i++
    }
  }
  if (field !== "" || record.length > 0) endRecord()
  return records
}

// ---------------------------------------------------------------------------
// Writing archives

/** One row of bskyarchive's `posts` table. */
export interface PostRow {
  uri: string
  cid: string
  did: string
  text: string
  created_at: string
  indexed_at: string
  has_media: number
  like_count: number
  repost_count: number
  reply_count: number
  quote_count: number
  is_reply: number
  reply_parent: string
  embed_type: string
  embed_data: string | null
  labels: string | null
  archived_at: string
}

/** The posts columns, as the core reads them. */
export const COLUMNS = Archive.REQUIRED_POST_COLUMNS satisfies ReadonlyArray<keyof PostRow>

/** A plain post row of `did` with record key `key`. */
export const postRow = (
  did: string,
  key: string,
  createdAt: string,
  text: string,
  extra: Partial<PostRow> = {}
): PostRow => ({
  uri: `at://${did}/app.bsky.feed.post/${key}`,
  cid: `bafyrei${createHash("sha256")
    .update(did + "/" + key)
    .digest("hex")
    .slice(0, 40)}`,
  did,
  text,
  created_at: createdAt,
  indexed_at: createdAt,
  has_media: 0,
  like_count: key.length,
  repost_count: 0,
  reply_count: 0,
  quote_count: 0,
  is_reply: 0,
  reply_parent: "",
  embed_type: "",
  embed_data: null,
  labels: null,
  archived_at: "2025-07-01 12:00:00",
  ...extra
})

const TEXTS: ReadonlyArray<(i: number) => string> = [
  (i) => `post number ${i}`,
  (i) => `a comma, in post ${i}`,
  (i) => `"quoted" words in post ${i}`,
  (i) => `line one\nline two of post ${i}`,
  (i) => `crlf\r\nline of post ${i}`,
  (i) => ` leading space ${i}`,
  (i) => `=SUM(A${i})`,
  (i) => `emoji 👩‍👩‍👧 🇯🇵 ${i}`,
  (i) => `日本語、テキスト ${i}`,
  () => ``,
  (i) => `tab\tand backslash \\ in ${i}`,
  (i) => `lone\rcarriage return ${i}`
]

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const iso = (ms: number, fraction: "ms" | "none" | "sqlite"): string => {
  const d = new Date(ms)
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  if (fraction === "sqlite") return `${date} ${time}`
  return fraction === "none" ? `${date}T${time}Z` : `${date}T${time}.${pad(d.getUTCMilliseconds(), 3)}Z`
}

/**
 * `n` deterministic posts of `did`: varied texts (commas, quotes, LF, CRLF,
 * lone CR, emoji, CJK, empty), several `created_at` spellings, and groups
 * of posts sharing one exact `created_at` string (so ties are ordered by uri).
 */
export const generatePosts = (did: string, n: number, salt = 0): Array<PostRow> => {
  const rows: Array<PostRow> = []
  let t = Date.UTC(2025, 5, 1) - salt * 1_000
  for (let i = 0; i < n; i++) {
    // Every 5th post shares the previous post's created_at string exactly.
    if (i % 5 !== 4) t -= 37 * 60_000 + (i % 13) * 1_001
    const spelling =
      i % 5 === 4 ? rows[i - 1]!.created_at : iso(t, i % 17 === 3 ? "none" : i % 19 === 7 ? "sqlite" : "ms")
    // Keys whose byte order differs from insertion order.
    const key = `3k${((i * 7919) % 1_000_003).toString(36).padStart(5, "0")}${i.toString(36)}`
    rows.push(postRow(did, key, spelling, TEXTS[i % TEXTS.length]!(i), { like_count: i, reply_count: i % 3 }))
  }
  return rows
}

export interface ArchiveOptions {
  /** Put the database in WAL mode. */
  readonly wal?: boolean
}

/** Writes a new archive (bskyarchive's schema) with `rows`, inserted in the given order. */
export const writeArchive = (dbPath: string, rows: ReadonlyArray<PostRow>, options: ArchiveOptions = {}): void => {
  const db = new Database(dbPath)
  try {
    if (options.wal) db.pragma("journal_mode = WAL")
    db.exec(ArchiveSchema.DDL)
    const insert = db.prepare(
      `INSERT INTO posts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`
    )
    db.transaction(() => {
      for (const r of rows) insert.run(r)
    })()
  } finally {
    db.close()
  }
}

const bytesCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

/** The export order, computed here: `created_at` DESC then `uri` ASC, both by UTF-8 bytes. */
export const exportOrder = (rows: ReadonlyArray<PostRow>): Array<PostRow> =>
  [...rows].sort((a, b) => bytesCompare(b.created_at, a.created_at) || bytesCompare(a.uri, b.uri))

/** A temp folder with an archive of `count` generated posts of `did`, made before and removed after the file's tests. */
export const sharedArchive = (did: string, count: number): { readonly dir: string; readonly db: string } => {
  const fixture = { dir: "", db: "" }
  beforeAll(() => {
    fixture.dir = tempDir()
    fixture.db = path.join(fixture.dir, "archive.db")
    writeArchive(fixture.db, generatePosts(did, count))
  })
  afterAll(() => removeDir(fixture.dir))
  return fixture
}
