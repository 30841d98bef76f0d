/**
 * The --db paths that `seed` and `import` both refuse before any work: each
 * exits 2 with the same message, naming the command, and makes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { type RunResult, show } from "./support.js"

/** Runs `command` with `--db` set to each refused path (made in `dir`) and checks the refusal. */
export const expectTargetsRefused = async (
  command: "seed" | "import",
  dir: string,
  withDb: (db: string) => Promise<RunResult>
): Promise<void> => {
  const refused = async (db: string, message: string) => {
    const r = await withDb(db)
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toBe(`skyporter ${command}: ${message}\nRun 'skyporter ${command} --help' for usage.\n`)
    expect(r.stdout).toBe("")
  }
  const folder = path.join(dir, "a-folder.db")
  mkdirSync(folder)
  await refused(folder, `${folder} is not a file: --db must name a bskyarchive SQLite database`)
  expect(readdirSync(folder)).toEqual([])
  const nowhere = path.join(dir, "no-such-folder", "x.db")
  await refused(
    nowhere,
    `cannot create ${nowhere}: the folder ${path.dirname(nowhere)} does not exist (${command} makes the file, not its folder)`
  )
  expect(existsSync(path.dirname(nowhere))).toBe(false)
  const file = path.join(dir, "a-file.txt")
  writeFileSync(file, "x")
  await refused(path.join(file, "x.db"), `cannot create ${path.join(file, "x.db")}: ${file} is a file, not a folder`)
  expect(readFileSync(file, "utf8")).toBe("x")
}
