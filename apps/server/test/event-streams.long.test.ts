/**
 * Event stream fairness at scale: /healthz still answers among 2,000 refused watchers of one
 * export (security.test.ts keeps the same check with 200 in the loop).
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, it } from "vitest"
import { expectStreamCap } from "./stream-cap.js"
import { DID_A, POSTS, seededArchive, serve, type Served } from "./support.js"

const fixture = seededArchive()
let server: Served

beforeAll(async () => {
  // One batch, 60 s before it: the export outlives the check, on one thread.
  server = await serve({
    db: fixture.db,
    out: path.join(fixture.dir, "out"),
    slow: true,
    batchSize: POSTS,
    env: { SKYPORTER_TEST_DELAY_MS: "60000" }
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
