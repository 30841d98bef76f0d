/**
 * The html format's size limit through the HTTP app: an export of more
 * posts than one page holds fails before writing anything, and its message
 * names the request's fields (`since`/`until`), not the CLI's flags.
 */
import { Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  finished,
  readEvents,
  request,
  serve,
  type Served,
  startExport,
  tempDir,
  temporaries,
  tree
} from "./support.js"

const DID = "did:plc:serverhtmllimitaaaaaaaaa"
/** One more than the html format's page holds (`MAX_POSTS` of @skyporter/format-html). */
const POSTS = 200_001
let out: string
let server: Served

beforeAll(async () => {
  const dir = tempDir()
  const db = path.join(dir, "archive.db")
  Synthetic.seedArchive(db, { posts: POSTS, did: DID, seed: 5, otherDids: 0 })
  out = path.join(dir, "out")
  server = await serve({ db, out, batchSize: 10_000 })
}, 120_000)
afterAll(async () => {
  await server?.stop()
})

describe("the html format's size limit in the HTTP app", () => {
  it("fails the export naming the request's since/until, and leaves nothing behind", async () => {
    const item = await startExport(server.url, { did: DID, format: "html" })
    expect(await finished(server.url, item.id)).toBe("failed")
    const { error } = (await request(server.url, "GET", `/api/exports/${item.id}`)).body.progress
    expect(error.message).toContain("200,001")
    expect(error.message).toContain("Export a date range with since/until")
    expect(error.message).not.toContain("--")
    // The event stream says the same.
    const { events } = await readEvents(server.url, `/api/exports/${item.id}/events`)
    expect(events[events.length - 1]!.data.error.message).toBe(error.message)
    expect(temporaries(out)).toEqual([])
    expect(tree(out).filter((p) => p.endsWith(".html"))).toEqual([])
  }, 120_000)
})
