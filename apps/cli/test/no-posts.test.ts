/**
 * An export for a DID the archive holds no posts for: it succeeds with an
 * empty export, and stderr says so and lists the accounts the archive does
 * hold (with handles from a `profiles` table), or their number when many.
 */
import Database from "better-sqlite3"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { generatePosts, jsonPosts, readExport, run, show, tempDir, writeArchive } from "./support.js"

const archive = (name: string, counts: ReadonlyArray<readonly [string, number]>, profiles?: string): string => {
  const dir = tempDir()
  const db = path.join(dir, `${name}.db`)
  writeArchive(
    db,
    counts.flatMap(([did, n], i) => generatePosts(did, n, i))
  )
  if (profiles !== undefined) {
    const d = new Database(db)
    d.exec(profiles)
    d.close()
  }
  return db
}

describe("a DID with no posts in the archive", () => {
  it("exports nothing, exit 0, and lists the accounts it holds with their handles", async () => {
    const db = archive(
      "few",
      [
        ["did:plc:alice", 3],
        ["did:plc:bob", 5],
        ["did:web:carol.example", 1]
      ],
      `
      CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT, display_name TEXT);
      INSERT INTO profiles VALUES ('did:plc:bob', 'bob.bsky.social', 'Bob'), ('did:plc:alice', 'alice.example.com', NULL);`
    )
    const cwd = path.dirname(db)
    const r = await run(["export", "--db", db, "--did", "did:plc:alicee", "--out", path.join(cwd, "out")], { cwd })
    expect(r.code, show(r)).toBe(0)
    const { manifest, data } = readExport(r.stdout.trim(), "json")
    expect(manifest.post_count).toBe(0)
    expect(jsonPosts(data)).toEqual([])
    expect(r.stderr, show(r)).toContain(
      "skyporter export: the archive holds no posts for did:plc:alicee; the export is empty.\n" +
        "It holds posts of:\n" +
        "  did:plc:bob (@bob.bsky.social): 5 posts\n" +
        "  did:plc:alice (@alice.example.com): 3 posts\n" +
        "  did:web:carol.example: 1 post\n"
    )
  }, 60_000)

  it("works on an old archive without a profiles table, and says how many accounts when there are many", async () => {
    const many = Array.from({ length: 12 }, (_, i) => [`did:plc:account${i}`, 1] as const)
    const db = archive("many", many)
    const cwd = path.dirname(db)
    const r = await run(["export", "--db", db, "--did", "did:plc:nobody", "--out", path.join(cwd, "out"), "--quiet"], {
      cwd
    })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toBe(
      "skyporter export: the archive holds no posts for did:plc:nobody; the export is empty.\n" +
        "The archive holds posts of 12 other accounts (check --did; `skyporter accounts --db FILE` lists them).\n"
    )
  }, 60_000)

  it("says nothing of the kind when the DID has posts, only none in the date range", async () => {
    const db = archive("range", [["did:plc:alice", 3]])
    const cwd = path.dirname(db)
    // One run: an export that succeeds (exportOk's checks), with nothing on stderr.
    const r = await run(
      [
        "export",
        "--db",
        db,
        "--did",
        "did:plc:alice",
        "--until",
        "1990-01-01",
        "--out",
        path.join(cwd, "out"),
        "--quiet"
      ],
      { cwd }
    )
    expect(r.code, show(r)).toBe(0)
    const lines = r.stdout.split("\n")
    expect(lines.length, show(r)).toBe(2)
    expect(lines[1]).toBe("")
    expect(path.isAbsolute(lines[0]!), show(r)).toBe(true)
    expect(readExport(lines[0]!, "json").manifest.post_count).toBe(0)
    expect(r.stderr).toBe("")
  }, 60_000)
})
