/**
 * `skyporter formats --json` with the test plugin loaded by --plugin (in the loop: plugins.test.ts
 * lists plugins loaded by --plugin and from a config file).
 */
import { describe, expect, it } from "vitest"
import { run, show, TEST_PLUGIN, useTempDir } from "./support.js"

const temp = useTempDir()

describe("skyporter formats", () => {
  it("includes a plugin loaded with --plugin", async () => {
    const r = await run(["formats", "--json", "--plugin", TEST_PLUGIN], { cwd: temp.dir })
    expect(r.code, show(r)).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<Record<string, string>>
    expect(rows.map((f) => f.name)).toEqual(["json", "csv", "ndjson", "html", "testjson"])
    expect(rows[4]).toMatchObject({ version: "0.0.0-test", extension: "json", origin: TEST_PLUGIN })
  }, 60_000)
})
