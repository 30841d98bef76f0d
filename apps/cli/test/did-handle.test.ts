/**
 * `export --did` takes the account's handle too (`alice.example.com` or
 * `@alice.example.com`, any case), looked up in the archive's `profiles`
 * table; the export is made, named and recorded under the DID. A handle the
 * archive does not know, or knows for two DIDs, is a usage error naming
 * them; a value that is neither a DID nor a handle says what is expected.
 */
import Database from "better-sqlite3"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportDirs, generatePosts, jsonPosts, readExport, run, show, useTempDir, writeArchive } from "./support.js"

const temp = useTempDir()

const archive = (name: string): string => {
  const db = path.join(temp.dir, `${name}.db`)
  writeArchive(db, [...generatePosts("did:plc:alice", 7, 1), ...generatePosts("did:plc:bob", 3, 2)])
  const d = new Database(db)
  d.exec(`CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT, display_name TEXT);
    INSERT INTO profiles VALUES ('did:plc:alice', 'Alice.Example.com', 'Alice'), ('did:plc:bob', 'shared.example.com', NULL),
      ('did:plc:bobold', 'shared.example.com', NULL);`)
  d.close()
  return db
}

describe("export --did HANDLE", () => {
  it("exports the posts of the handle's DID, with or without @, in any case; folder and manifest use the DID", async () => {
    const db = archive("found")
    for (const handle of ["alice.example.com", "@ALICE.example.com"]) {
      const out = path.join(temp.dir, `out-${handle}`)
      const r = await run(["export", "--db", db, "--did", handle, "--out", out, "--quiet"], { cwd: temp.dir })
      expect(r.code, show(r)).toBe(0)
      expect(r.stderr).toBe("")
      const published = r.stdout.trim()
      expect(path.dirname(published)).toBe(path.join(out, "did:plc:alice"))
      expect(exportDirs(out, "did:plc:alice")).toHaveLength(1)
      const { manifest, data } = readExport(published, "json")
      expect(manifest.did).toBe("did:plc:alice")
      expect(manifest.post_count).toBe(7)
      expect(new Set(jsonPosts(data).map((p) => p.did))).toEqual(new Set(["did:plc:alice"]))
    }
  }, 60_000)

  /** An export of `value` that is refused: exit 2, exactly `message` and the help hint, nothing written. */
  const expectRefused = async (name: string, value: string, message: string) => {
    const db = archive(name)
    const out = path.join(temp.dir, `out-${name}`)
    const r = await run(["export", "--db", db, "--did", value, "--out", out], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`skyporter export: ${message}\nRun 'skyporter export --help' for usage.\n`)
    expect(existsSync(out)).toBe(false)
    return db
  }

  it("a handle the archive does not know: exit 2, naming it and the archive's accounts, nothing written", async () => {
    await expectRefused(
      "unknown",
      "@carol.example.com",
      "no account in the archive has the handle @carol.example.com (matched ignoring case); " +
        "it holds posts of did:plc:alice (@Alice.Example.com): 7 posts, did:plc:bob (@shared.example.com): 3 posts"
    )
  }, 60_000)

  it("a handle two DIDs hold in stale profiles: exit 2, naming both DIDs and asking for one", async () => {
    await expectRefused(
      "ambiguous",
      "Shared.example.com",
      "the handle @shared.example.com belongs to 2 DIDs in the archive (stale profiles): " +
        "did:plc:bob (3 posts), did:plc:bobold (0 posts); give --did the DID to export"
    )
  }, 60_000)

  it("neither a DID nor a handle: exit 2, saying both are accepted and where to find them; a DID's errors as before", async () => {
    const db = await expectRefused(
      "invalid",
      "xyz",
      '--did "xyz": expected a DID (did:plc:…) or a handle (alice.bsky.social); ' +
        "`skyporter accounts --db FILE` lists the archive's accounts"
    )
    const did = await run(["export", "--db", db, "--did", "did:PLC:alice"], { cwd: temp.dir })
    expect(did.code, show(did)).toBe(2)
    expect(did.stderr).toMatch(/^skyporter export: invalid DID "did:PLC:alice": the method/)
  }, 60_000)
})
