/**
 * Invalid usage and input, a table for errors.test.ts (the cases marked
 * `loop`) and errors.long.test.ts (the rest): each exits 2 with a message on
 * stderr naming what is wrong, nothing on stdout, nothing created in --out,
 * and the inputs untouched.
 */
import { Compat } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, expect, it } from "vitest"
import { listTree, removeDir, run, show, TEST_PLUGIN, tempDir } from "./support.js"

export interface Inputs {
  dir: string
  files: Record<string, string>
}

/** A folder of input files (a good archive and bad ones) made before the calling file's tests, removed after. */
export const inputs = (): Inputs => {
  const fixture: Inputs = { dir: "", files: {} }
  beforeAll(() => {
    fixture.dir = tempDir()
    const at = (name: string) => path.join(fixture.dir, name)
    const files = (fixture.files = {
      archive: at("archive.db"),
      random: at("random.db"),
      empty: at("empty.db"),
      noPosts: at("no-posts.db"),
      fewColumns: at("few-columns.db"),
      text: at("notes.txt"),
      badPlugin: at("not-a-plugin.mjs"),
      // Another module that gives the test plugin, under its name: two modules, one name.
      otherTestPlugin: at("other-test-plugin.mjs")
    })
    Compat.writeCompatArchive(files.archive)
    writeFileSync(files.random, randomBytes(8192))
    writeFileSync(files.empty, "")
    writeFileSync(files.text, "SQLite format 3 is what this file is not\n".repeat(200))
    writeFileSync(files.badPlugin, "export default { name: 'nope' }\n")
    writeFileSync(files.otherTestPlugin, `export { default } from ${JSON.stringify(pathToFileURL(TEST_PLUGIN).href)}\n`)
    let db = new Database(files.noPosts)
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')")
    db.close()
    db = new Database(files.fewColumns)
    db.exec(
      "CREATE TABLE posts (uri TEXT PRIMARY KEY, did TEXT, text TEXT, created_at TIMESTAMP);" +
        "INSERT INTO posts VALUES ('at://did:plc:alice/app.bsky.feed.post/1', 'did:plc:alice', 'hi', '2024-01-01T00:00:00Z')"
    )
    db.close()
  })
  afterAll(() => removeDir(fixture.dir))
  return fixture
}

interface Case {
  readonly name: string
  readonly args: (f: Record<string, string>) => ReadonlyArray<string>
  /** What stderr must say. */
  readonly message: ReadonlyArray<RegExp>
  readonly env?: Record<string, string>
  /** Also in `npm test` (the whole table runs in errors.long.test.ts). */
  readonly loop?: boolean
}

const alice = (f: Record<string, string>, ...extra: Array<string>) => [
  "export",
  "--db",
  f.archive!,
  "--did",
  "did:plc:alice",
  ...extra
]

export const CASES: ReadonlyArray<Case> = [
  { name: "unknown flag", loop: true, args: (f) => alice(f, "--colour", "red"), message: [/--colour/] },
  { name: "unknown subcommand", args: () => ["exprot", "--db", "x"], message: [/exprot/] },
  { name: "missing --db", args: () => ["export", "--did", "did:plc:alice"], message: [/--db/] },
  { name: "missing --did", args: (f) => ["export", "--db", f.archive!], message: [/--did/] },
  {
    name: "malformed DID (no method)",
    args: (f) => ["export", "--db", f.archive!, "--did", "alice"],
    message: [/DID/, /"alice"/]
  },
  {
    name: "malformed DID (path)",
    loop: true,
    args: (f) => ["export", "--db", f.archive!, "--did", "did:plc:../../etc"],
    message: [/DID/]
  },
  { name: "malformed DID (empty)", args: (f) => ["export", "--db", f.archive!, "--did", ""], message: [/DID|--did/] },
  {
    name: "month 13",
    loop: true,
    args: (f) => alice(f, "--since", "2024-13-01"),
    message: [/invalid --since "2024-13-01": there is no month 13 \(months are 01 to 12\)/]
  },
  {
    name: "February 30",
    args: (f) => alice(f, "--until", "2024-02-30"),
    message: [/invalid --until "2024-02-30": there is no such date: February 2024 has 29 days/]
  },
  {
    name: "--threads not a number",
    loop: true,
    args: (f) => alice(f, "--threads", "abc"),
    message: [/^skyporter export: invalid --threads "abc": expected an integer from 1 to 32$/m]
  },
  {
    name: "--threads not an integer",
    args: (f) => alice(f, "--threads", "1.5"),
    message: [/invalid --threads "1\.5": expected an integer from 1 to 32/]
  },
  {
    name: "--threads empty",
    args: (f) => alice(f, "--threads="),
    message: [/--threads needs a value: an integer from 1/]
  },
  { name: "a word for a date", args: (f) => alice(f, "--since", "yesterday"), message: [/--since/, /yesterday/] },
  { name: "an instant without a zone", args: (f) => alice(f, "--since", "2024-03-01T00:00:00"), message: [/--since/] },
  {
    name: "until before since",
    loop: true,
    args: (f) => alice(f, "--since", "2024-06-01", "--until", "2024-05-31"),
    message: [/--until/, /before/, /--since/]
  },
  {
    name: "until instant before since instant",
    args: (f) => alice(f, "--since", "2024-06-01T00:00:00.000000002Z", "--until", "2024-06-01T00:00:00.000000001Z"),
    message: [/--until/, /before/]
  },
  { name: "unknown format", args: (f) => alice(f, "--format", "xml"), message: [/xml/, /\bjson\b/, /\bcsv\b/] },
  { name: "batch size 0", args: (f) => alice(f, "--batch-size", "0"), message: [/batch size/i] },
  { name: "batch size not a number", args: (f) => alice(f, "--batch-size", "many"), message: [/batch-size/] },
  {
    name: "database file missing",
    args: (f) => ["export", "--db", path.join(path.dirname(f.archive!), "missing.db"), "--did", "did:plc:alice"],
    message: [/missing\.db/, /does not exist/]
  },
  {
    name: "database is a folder",
    args: (f) => ["export", "--db", path.dirname(f.archive!), "--did", "did:plc:alice"],
    message: [/not a file/]
  },
  {
    name: "random bytes",
    loop: true,
    args: (f) => ["export", "--db", f.random!, "--did", "did:plc:alice"],
    message: [/random\.db/, /not a SQLite database/]
  },
  {
    name: "a text file",
    args: (f) => ["export", "--db", f.text!, "--did", "did:plc:alice"],
    message: [/notes\.txt/, /not a SQLite database/]
  },
  {
    name: "an empty file",
    args: (f) => ["export", "--db", f.empty!, "--did", "did:plc:alice"],
    message: [/empty\.db/, /no posts table/]
  },
  {
    name: "SQLite without a posts table",
    args: (f) => ["export", "--db", f.noPosts!, "--did", "did:plc:alice"],
    message: [/no-posts\.db/, /no posts table/]
  },
  {
    name: "posts table missing columns",
    loop: true,
    args: (f) => ["export", "--db", f.fewColumns!, "--did", "did:plc:alice"],
    message: [/few-columns\.db/, /cid/, /indexed_at/, /archived_at/]
  },
  {
    name: "plugin that does not exist",
    args: (f) => alice(f, "--plugin", "./no-such-plugin.mjs"),
    message: [/no-such-plugin\.mjs/]
  },
  {
    name: "plugin that is not a plugin",
    args: (f) => alice(f, "--plugin", f.badPlugin!),
    message: [/not-a-plugin\.mjs/, /not a skyporter format plugin/]
  },
  {
    name: "two plugins with one name",
    args: (f) => alice(f, "--plugin", TEST_PLUGIN, "--plugin", f.otherTestPlugin!),
    message: [/two plugins/, /testjson/]
  },
  {
    name: "plugin clashing with a built-in name",
    args: (f) => alice(f, "--plugin", TEST_PLUGIN),
    env: { SKYPORTER_TEST_NAME: "csv" },
    message: [/two plugins/, /"csv"/, /built-in/]
  }
]

/** Each case, a CLI run in a fresh working directory: exit 2, its message, nothing written or changed. */
export const expectInvalid = (fixture: Inputs, cases: ReadonlyArray<Case>) =>
  it.each(cases)(
    "$name",
    async ({ args, env, message }) => {
      const cwd = path.join(fixture.dir, `cwd-${randomBytes(4).toString("hex")}`)
      mkdirSync(cwd)
      const out = path.join(cwd, "out")
      const before = Object.fromEntries(
        Object.entries(fixture.files).map(([k, p]) => [k, existsSync(p) ? readFileSync(p) : null])
      )
      const r = await run([...args(fixture.files), "--out", out], { cwd, ...(env ? { env } : {}) })
      expect(r.code, show(r)).toBe(2)
      expect(r.stdout, show(r)).toBe("")
      for (const re of message) expect(r.stderr, show(r)).toMatch(re)
      expect(r.stderr).not.toMatch(/unexpected error/)
      // Nothing created: not --out, not the default ./exports, not a missing --db.
      expect(existsSync(out), show(r)).toBe(false)
      expect(listTree(cwd)).toEqual([])
      expect(existsSync(path.join(fixture.dir, "missing.db"))).toBe(false)
      // Inputs are not modified.
      for (const [k, p] of Object.entries(fixture.files)) {
        const now = existsSync(p) ? readFileSync(p) : null
        expect(now === null ? null : now.equals(before[k]!), `${k} changed`).toBe(before[k] === null ? null : true)
      }
    },
    60_000
  )
