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

/** A real archive file with posts of the given `created_at` values per DID, and a profiles table. */
const dated = (name: string, posts: Record<string, ReadonlyArray<unknown>>, profiles = ""): Database.Database => {
  const db = new Database(path.join(dir, `${name}.db`))
  db.exec(DDL)
  const insert = db.prepare(
    "INSERT INTO posts (uri, cid, did, text, created_at, indexed_at) VALUES (?, 'cid', ?, 'x', ?, '2024-01-01T00:00:00Z')"
  )
  for (const [did, stamps] of Object.entries(posts)) {
    stamps.forEach((stamp, i) => insert.run(`at://${did}/app.bsky.feed.post/${i}`, did, stamp))
  }
  db.exec(`CREATE TABLE profiles (did TEXT PRIMARY KEY, handle TEXT, display_name TEXT); ${profiles}`)
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

describe("Accounts.overview", () => {
  it("gives each account's first and last post as UTC instants, compared as instants whatever their spelling", () => {
    const db = dated(
      "overview",
      {
        // The text order puts 22:00 UTC first and 01:00 UTC last; the instants are 20:00 and 02:30 UTC.
        "did:plc:offsets": [
          "2024-02-29 22:00:00",
          "2024-03-01T01:00:00+05:00",
          "2024-06-01T12:00:00.250Z",
          "2025-06-30T23:30:00-03:00",
          "2025-07-01T01:00:00Z",
          "2025-07-01 00:59:59.999 +0000 UTC"
        ],
        // Text that is no timestamp sorts after every date: it is skipped, not taken as the last post.
        "did:plc:odd": ["not a date", "2024-01-01T00:00:00.5Z", 1700000000],
        "did:plc:none": ["never"]
      },
      "INSERT INTO profiles VALUES ('did:plc:odd', 'odd.example.com', NULL);"
    )
    expect(Accounts.overview(db)).toEqual([
      {
        did: "did:plc:offsets",
        handle: null,
        posts: 6,
        first: "2024-02-29T20:00:00Z",
        last: "2025-07-01T02:30:00Z"
      },
      {
        did: "did:plc:odd",
        handle: "odd.example.com",
        posts: 3,
        first: "2024-01-01T00:00:00.5Z",
        last: "2024-01-01T00:00:00.5Z"
      },
      { did: "did:plc:none", handle: null, posts: 1, first: null, last: null }
    ])
    db.close()
  })

  it("is empty for an archive without posts", () => {
    const empty = dated("overview-empty", {})
    expect(Accounts.overview(empty)).toEqual([])
    empty.close()
  })
})

describe("Accounts.resolve", () => {
  const profiles = `INSERT INTO profiles VALUES ('did:plc:alice', 'Alice.Example.com', NULL),
    ('did:plc:old', 'shared.example.com', NULL), ('did:plc:new', 'shared.example.com', NULL),
    ('did:plc:quiet', 'quiet.example.com', NULL), ('did:plc:blank', NULL, NULL);`

  it("finds the DID of a handle ignoring case, also one without posts", () => {
    const db = dated("resolve", { "did:plc:alice": ["2024-01-01T00:00:00Z"] }, profiles)
    expect(Accounts.resolve(db, "alice.example.com")).toEqual({ _tag: "Found", did: "did:plc:alice" })
    expect(Accounts.resolve(db, "ALICE.example.COM")).toEqual({ _tag: "Found", did: "did:plc:alice" })
    expect(Accounts.resolve(db, "quiet.example.com")).toEqual({ _tag: "Found", did: "did:plc:quiet" })
    expect(Accounts.resolve(db, "bob.example.com")).toEqual({ _tag: "Unknown" })
    db.close()
  })

  it("names every DID of a handle that stale profiles give to several", () => {
    const db = dated("resolve-stale", {}, profiles)
    expect(Accounts.resolve(db, "shared.example.com")).toEqual({
      _tag: "Ambiguous",
      dids: ["did:plc:new", "did:plc:old"]
    })
    db.close()
  })

  it("with a scope, considers that DID alone", () => {
    const db = dated("resolve-scope", {}, profiles)
    expect(Accounts.resolve(db, "shared.example.com", "did:plc:old")).toEqual({ _tag: "Found", did: "did:plc:old" })
    expect(Accounts.resolve(db, "alice.example.com", "did:plc:old")).toEqual({ _tag: "Unknown" })
    db.close()
  })

  it("knows no handle in an archive without a profiles table or a handle column", () => {
    const old = archive("resolve-old", { "did:plc:one": 1 })
    expect(Accounts.resolve(old, "one.example.com")).toEqual({ _tag: "Unknown" })
    old.close()
    const odd = archive("resolve-odd", { "did:plc:one": 1 }, "CREATE TABLE profiles (did TEXT, name TEXT)")
    expect(Accounts.resolve(odd, "one.example.com")).toEqual({ _tag: "Unknown" })
    odd.close()
  })
})
