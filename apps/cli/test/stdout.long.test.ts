/**
 * Two exports of the same archive one after the other publish to distinct directories with the
 * same bytes (in the loop, stdout.test.ts: three at once, and a taken <stamp> directory).
 */
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportOk, readExport, sharedArchive } from "./support.js"

const DID = "did:plc:stdout"
const fx = sharedArchive(DID, 25)

describe("two exports in the same second", () => {
  it("sequential exports publish to distinct directories", async () => {
    const out = path.join(fx.dir, "out-sequential")
    const first = await exportOk(["--db", fx.db, "--did", DID, "--out", out, "--quiet"], { cwd: fx.dir })
    const second = await exportOk(["--db", fx.db, "--did", DID, "--out", out, "--quiet"], { cwd: fx.dir })
    expect(second).not.toBe(first)
    expect(readExport(first, "json").data.equals(readExport(second, "json").data)).toBe(true)
  }, 120_000)
})
