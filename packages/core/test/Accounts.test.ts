import Database from "better-sqlite3"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Accounts from "../dist/Accounts.js"
import { DDL } from "../dist/ArchiveSchema.js"
import { tempDir } from "../../../testing/tempDir.mts"

const dir = tempDir("skyporter-accounts-")

/** A real archive file with `counts[did]` posts per DID and, when given, a profiles table. */
const archive = (name: string, counts: Record<string, number>, profiles?: string): Database.Database => {
  const db = new Database(path.join(dir, `${name}.db`))
  db.exec(DDL)
  const insert = db.prepare(
    "INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES (?, 'cid', ?, 'x', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')"
  )
  for (const [did, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) insert.run(`at://${did}/app.bsky.feed.post/${i}`, did)
  }
  if (profiles !== undefined) db.exec(profiles)
  return db
}

describe("Accounts.list", () => {
  it("lists every DID with posts, most posts first, ties by DID, handles from profiles", () => {
    const db = archive(
      "profiles",
      { "did:plc:bbb": 2, "did:plc:aaa": 2, "did:plc:ccc": 5, "did:web:example.com": 1 },
      `
      CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT, display_name TEXT);
      INSERT INTO profiles VALUES ('did:plc:ccc', 'carol.example.com', 'Carol'), ('did:plc:aaa', NULL, 'A'),
        ('did:plc:nobody', 'nobody.example.com', 'No posts');`
    )
    expect(Accounts.list(db)).toEqual([
      { did: "did:plc:ccc", handle: "carol.example.com", posts: 5 },
      { did: "did:plc:aaa", handle: null, posts: 2 },
      { did: "did:plc:bbb", handle: null, posts: 2 },
      { did: "did:web:example.com", handle: null, posts: 1 }
    ])
    db.close()
  })

  it("works on archives without a profiles table, or with one that has no handle column", () => {
    const old = archive("old", { "did:plc:one": 1, "did:plc:two": 3 })
    expect(Accounts.list(old)).toEqual([
      { did: "did:plc:two", handle: null, posts: 3 },
      { did: "did:plc:one", handle: null, posts: 1 }
    ])
    old.close()
    const odd = archive("odd", { "did:plc:one": 1 }, "CREATE TABLE profiles (did TEXT, name TEXT)")
    expect(Accounts.list(odd)).toEqual([{ did: "did:plc:one", handle: null, posts: 1 }])
    odd.close()
  })

  it("is empty for an archive without posts", () => {
    const empty = archive("empty", {})
    expect(Accounts.list(empty)).toEqual([])
    empty.close()
  })
})
