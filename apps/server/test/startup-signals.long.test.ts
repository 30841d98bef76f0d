/**
 * `skyporter serve` stops on SIGINT and SIGTERM in every phase of start-up: from process start
 * (loading) through preparing the folder and archive to listening. Twelve servers, each signalled
 * once; the loop keeps the first phase (lifecycle.test.ts).
 */
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { expectStopsOn, seededArchive, temporaries } from "./support.js"

const fixture = seededArchive()

describe("skyporter serve", () => {
  it("stops on SIGINT and SIGTERM in every phase of start-up", async () => {
    const out = path.join(fixture.dir, "signals")
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      for (const delay of [0, 100, 250, 500, 1000, 2000]) await expectStopsOn(signal, delay, fixture.db, out)
    }
    expect(temporaries(out)).toEqual([])
  })
})
