/**
 * For seed.test.ts and seed.long.test.ts: bad arguments to `skyporter seed`, each exit 2 with a
 * message and no file made.
 */
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { expect, it } from "vitest"
import { run, show } from "./support.js"

export interface BadArguments {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly message: RegExp
  /** Also in `npm test` (the rest: seed.long.test.ts). */
  readonly loop?: boolean
}

export const BAD_ARGUMENTS: ReadonlyArray<BadArguments> = [
  { name: "negative --posts", args: ["--posts", "-1"], message: /--posts/, loop: true },
  { name: "--posts not a number", args: ["--posts", "lots"], message: /--posts/ },
  { name: "missing --posts", args: [], message: /--posts/ },
  { name: "malformed --did", args: ["--posts", "3", "--did", "nobody"], message: /DID/, loop: true }
]

/** For each case: a seed into a new file in `dir()` exits 2 with its message and makes no file. */
export const refusesBadArguments = (cases: ReadonlyArray<BadArguments>, dir: () => string) =>
  it.each(cases)(
    "$name → exit 2, no file",
    async ({ args, message }) => {
      const db = path.join(dir(), `bad-${randomBytes(4).toString("hex")}.db`)
      const r = await run(["seed", "--db", db, ...args], { cwd: dir() })
      expect(r.code, show(r)).toBe(2)
      expect(r.stdout).toBe("")
      expect(r.stderr).toMatch(message)
      expect(existsSync(db)).toBe(false)
    },
    60_000
  )
