import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Import } from "../src/index.js"
import * as Repos from "./support/Repos.js"

let dir = ""
let built: Repos.Built
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "skyporter-car-test-"))
  built = await Repos.build(Repos.catalog())
  writeFileSync(path.join(dir, "repo.car"), built.car)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const rows = (db: string, sql: string) => {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare(sql).all() as Array<Record<string, unknown>>
  } finally {
    d.close()
  }
}

describe("Import.run", () => {
  it("writes every post of the catalog as bskyarchive stores it", async () => {
    const db = path.join(dir, "a.db")
    const summary = await Effect.runPromise(Import.run({ car: path.join(dir, "repo.car"), db }))
    expect(summary.did).toBe(Repos.DID)
    expect(summary.posts).toBe(built.rkeys.length)
    expect(summary.inserted).toBe(built.rkeys.length)
    expect(summary.skipped).toEqual({
      "app.bsky.actor.profile": 1,
      "app.bsky.feed.like": 2,
      "app.bsky.feed.repost": 1,
      "app.bsky.graph.follow": 1
    })
    const posts = rows(db, "SELECT * FROM posts ORDER BY uri")
    expect(posts.map((p) => p.uri)).toEqual(built.rkeys.map((k) => `at://${Repos.DID}/app.bsky.feed.post/${k}`))
    console.log(JSON.stringify(posts, null, 1), JSON.stringify(summary, null, 1))
  })
})
