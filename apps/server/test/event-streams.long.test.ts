/**
 * Event stream fairness at scale: /healthz still answers among 2,000 refused watchers of one
 * export (events.test.ts keeps the same check with 200 in the loop).
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, it } from "vitest"
import { expectStreamCap } from "./stream-cap.js"
import { DID_A, POSTS, seededArchive, serve, type Served, STALL_PLUGIN } from "./support.js"

const fixture = seededArchive()
let server: Served

beforeAll(async () => {
  // One batch, a minute before it: the stalljson export outlives the check, on one thread.
  server = await serve({
    db: fixture.db,
    out: path.join(fixture.dir, "out"),
    batchSize: POSTS,
    args: ["--plugin", STALL_PLUGIN]
  })
})
afterAll(async () => {
  await server?.stop()
})

describe("event stream fairness", () => {
  it("caps event streams per client with 429 + Retry-After, and /healthz still answers among 2,000 refused watchers", async () => {
    await expectStreamCap(server.url, DID_A, 20)
  })
})
