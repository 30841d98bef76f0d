/**
 * The CLI's one error style, for conventions.test.ts and conventions.long.test.ts: usage errors
 * (exit 2) print `skyporter[ command]: message` lines, then the command's help hint.
 */
import { expect, it } from "vitest"
import { run, show } from "./support.js"

export const DID = "did:plc:conventions"

/** `skyporter[ command]: message` lines, then `Run 'skyporter[ command] --help' for usage.` and nothing else. */
export const STYLE = /^(skyporter(?: [a-z]+)?): [^\n]+\n(?:\1: [^\n]+\n)*Run '\1 --help' for usage\.\n$/

type Case = readonly [name: string, args: (db: string) => ReadonlyArray<string>, command: string, loop: boolean]

/** Each kind of error; `loop`: one of those conventions.test.ts runs (the rest: the long file). */
export const CASES: ReadonlyArray<Case> = [
  ["an unknown flag", (db) => ["export", "--db", db, "--did", DID, "--colour", "red"], "skyporter export", true],
  ["a missing required flag", () => ["export", "--did", DID], "skyporter export", false],
  ["a bad integer", (db) => ["seed", "--db", db, "--posts", "many"], "skyporter seed", false],
  ["an unknown subcommand", () => ["exprot"], "skyporter", false],
  ["an invalid DID (input)", (db) => ["export", "--db", db, "--did", "did:m123:val"], "skyporter export", true],
  ["a missing archive (runtime)", (db) => ["export", "--db", `${db}.missing`, "--did", DID], "skyporter export", true],
  ["an unknown format", (db) => ["export", "--db", db, "--did", DID, "--format", "xml"], "skyporter export", false],
  [
    "a bad config file (formats)",
    () => ["formats", "--config", "/nonexistent/skyporter.config.json"],
    "skyporter formats",
    // In the loop through plugins.test.ts: `formats` refusing a config file that is not JSON, in this style.
    false
  ]
]

/** For each case: exit 2, nothing on stdout, the style on stderr, under the command's name. */
export const inErrorStyle = (cases: ReadonlyArray<Case>, fx: { readonly dir: string; readonly db: string }) =>
  it.each(cases)(
    "%s",
    async (_, args, command) => {
      const r = await run(args(fx.db), { cwd: fx.dir })
      expect(r.code, show(r)).toBe(2)
      expect(r.stdout).toBe("")
      expect(r.stderr, show(r)).toMatch(STYLE)
      expect(r.stderr.startsWith(`${command}: `), show(r)).toBe(true)
      expect(r.stderr).toContain(`Run '${command} --help' for usage.`)
    },
    60_000
  )
