/**
 * The terminal progress line: never wider than the terminal (counts, rate and
 * ETA kept in 60 columns), and no ETA until one can be estimated. The line
 * renderer on its own, then one real export in a pseudo-terminal of 60
 * columns (`script`).
 */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { renderLine } from "../dist/ProgressView.js"
import { LAUNCHER, sharedArchive, TEST_PLUGIN } from "./support.js"

const state = (done: number, total: number, elapsedMillis: number, media: [number, number] = [0, 0]) => ({
  label: "json",
  done,
  total,
  elapsedMillis,
  mediaCopied: media[0],
  mediaTotal: media[1]
})

describe("renderLine", () => {
  it("keeps counts, rate and ETA within 60 columns, even at millions of posts with media", () => {
    for (const s of [state(12_345, 100_000, 4_000), state(1_234_567, 9_876_543, 60_000, [12_345, 67_890])]) {
      const line = renderLine(s, 60)
      expect(line.length, line).toBeLessThanOrEqual(59)
      expect(line).toContain(`${s.done}/${s.total}`)
      expect(line).toMatch(/\d+(?: posts)?\/s/)
      expect(line).toMatch(/ETA \d+(?:h\d\dm|m\d\ds|s)/)
    }
  })

  it("fits every width from 20 to 200 columns and shows a bar only when there is room", () => {
    for (let columns = 20; columns <= 200; columns++) {
      const line = renderLine(state(50_000, 100_000, 10_000, [3, 10]), columns)
      expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns - 1)
      if (columns >= 50) expect(line).toContain("50000/100000")
    }
    expect(renderLine(state(50_000, 100_000, 10_000), 120)).toMatch(
      /^json █+░+ 50% \| 50000\/100000 posts \| 5000 posts\/s \| ETA 10s$/
    )
    expect(renderLine(state(50_000, 100_000, 10_000), 60)).not.toMatch(/[█░]/)
  })

  it("drops whole parts from the end in a narrow terminal, never a number cut short", () => {
    const full = "12% 1234567/9876543 20576/s ETA 7m00s m 12345/67890"
    for (let columns = 2; columns <= 60; columns++) {
      const line = renderLine(state(1_234_567, 9_876_543, 60_000, [12_345, 67_890]), columns)
      expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns - 1)
      const parts = line.replace(/^json /, "")
      if (line !== "") expect(`${full} `.startsWith(`${parts} `), `${columns}: ${line}`).toBe(true)
      else expect(columns, "only a terminal too narrow for the percentage shows nothing").toBeLessThan(5)
    }
    expect(renderLine(state(1_234_567, 9_876_543, 60_000, [12_345, 67_890]), 40)).toBe(
      "12% 1234567/9876543 20576/s ETA 7m00s"
    )
  })

  it("shows no ETA (nor rate) before it can estimate one", () => {
    expect(renderLine(state(0, 100_000, 0), 80)).toBe(
      "json █░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ 0% | 0/100000 posts".replace(/█/, "░")
    )
    expect(renderLine(state(0, 100_000, 5_000), 80)).not.toMatch(/ETA|\/s/)
    expect(renderLine(state(10, 100_000, 200), 80)).not.toMatch(/ETA/)
    expect(renderLine(state(10, 100_000, 2_000), 80)).toMatch(/ETA/)
  })
})

const DID = "did:plc:progressbar"
const fx = sharedArchive(DID, 120)

describe.skipIf(spawnSync("script", ["--version"]).status !== 0)("in a real terminal of 60 columns", () => {
  it("every drawn line fits, and the rate and ETA show once known", () => {
    const command = [
      "stty cols 60 rows 24;",
      "exec",
      JSON.stringify(process.execPath),
      JSON.stringify(LAUNCHER),
      "export",
      "--db",
      JSON.stringify(fx.db),
      "--did",
      DID,
      "--format",
      "testjson",
      "--plugin",
      JSON.stringify(TEST_PLUGIN),
      "--batch-size",
      "10",
      "--out",
      JSON.stringify(`${fx.dir}/out`)
    ].join(" ")
    const r = spawnSync("script", ["-qfec", command, "/dev/null"], {
      cwd: fx.dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", SKYPORTER_TEST_DELAY_MS: "150" },
      timeout: 120_000
    })
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const drawn = r.stdout
      .replace(/\x1b\[\??[0-9;]*[A-Za-z]/g, "")
      .split(/\r\n|\r|\n/)
      .filter((l) => l.startsWith("testjson"))
    expect(drawn.length, r.stdout).toBeGreaterThan(3)
    for (const line of drawn) expect(line.length, line).toBeLessThanOrEqual(59)
    expect(drawn[0], "the first line, at 0 posts, has no ETA").not.toMatch(/ETA/)
    expect(
      drawn.some((l) => /\d+\/120 posts \| \d+ posts\/s \| ETA \d+s/.test(l)),
      drawn.join("\n")
    ).toBe(true)
    expect(drawn.at(-1)).toMatch(/100% \| 120\/120 posts/)
  }, 180_000)
})
