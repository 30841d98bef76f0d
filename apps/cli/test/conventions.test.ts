/**
 * The CLI's conventions: one error style (`skyporter <command>: …`, then for
 * usage errors the command's help hint: output-folders.test.ts checks a
 * failure without it), required flags and
 * defaults in --help, no undocumented built-in flags, a bare `skyporter`
 * that prints help and exits 2, a repeated single-value flag said in words,
 * format names in any case, DIDs and instants by their published syntax.
 */
import { PluginLoader } from "@skyporter/core"
import { readdirSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { CASES, DID, inErrorStyle, STYLE } from "./error-style.js"
import { exportOk, parseCsv, run, type RunResult, sharedArchive, show } from "./support.js"

const fx = sharedArchive(DID, 30)

describe("one error style", () => {
  // Three kinds here (a bad config file: plugins.test.ts), the other five in conventions.long.test.ts
  // (the table: error-style.ts).
  inErrorStyle(
    CASES.filter(([, , , loop]) => loop),
    fx
  )

  it("a repeated single-value flag says so in words", async () => {
    const r = await run(["export", "--db", "a.db", "--db", "b.db", "--did", DID], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toBe(
      "skyporter export: --db was given 2 times, but it takes one value: give it once\n" +
        "Run 'skyporter export --help' for usage.\n"
    )
  }, 60_000)
})

describe("help", () => {
  it("a bare skyporter prints the help on stderr and exits 2", async () => {
    const r = await run([], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/USAGE\n\s+skyporter <subcommand>/)
    expect(r.stderr).toMatch(/SUBCOMMANDS[\s\S]*export[\s\S]*seed[\s\S]*formats[\s\S]*serve/)
  }, 60_000)

  it("--help exits 0 on stdout, marks required flags, shows defaults, documents export's flags but --batch-size, hides --wizard and --log-level", async () => {
    // One start per command's help, every check on it.
    const helps = new Map<string, RunResult>()
    for (const command of [[], ["export"], ["seed"], ["formats"], ["serve"]]) {
      const help = await run([...command, "--help"], { cwd: fx.dir })
      expect(help.code, show(help)).toBe(0)
      expect(help.stdout).toMatch(/USAGE/)
      expect(help.stderr).toBe("")
      expect(help.stdout, command.join(" ")).not.toMatch(/--wizard|--log-level/)
      expect(help.stdout).toMatch(/--help/)
      helps.set(command.join(" "), help)
    }
    const r = helps.get("export")!
    const line = (flag: string) => r.stdout.split("\n").find((l) => l.trimStart().startsWith(`${flag} `)) ?? ""
    expect(line("--db")).toMatch(/\(required\)$/)
    expect(line("--did")).toMatch(/\(required\)$/)
    expect(line("--format")).toMatch(/\(default: json\)$/)
    expect(line("--out")).toMatch(/\(default: \.\/exports\)$/)
    for (const optional of ["--since", "--plugin", "--option", "--zip"]) expect(line(optional)).not.toMatch(/required/)
    // The flags export documents, not the hidden --batch-size.
    for (const flag of [
      "--db",
      "--did",
      "--format",
      "--since",
      "--until",
      "--out",
      "--json",
      "--quiet",
      "--plugin",
      "--config",
      "--option"
    ]) {
      expect(r.stdout).toContain(flag)
    }
    expect(r.stdout).not.toContain("--batch-size")
    // Cli.ts repeats the core's config file name so that help does not load the core.
    expect(r.stdout).toContain(`(default: ./${PluginLoader.CONFIG_FILE} when present)`)
    const seed = helps.get("seed")!
    expect(seed.stdout).toMatch(/--seed integer .*\(default: 1\)/)
    const serve = helps.get("serve")!
    expect(serve.stdout).toMatch(/--port integer .*\(default: 8787\)/)
    expect(serve.stdout).toMatch(/--out string .*\(required\)/)
  }, 120_000)

  // --log-level=debug the same way: conventions.long.test.ts.
  it("--wizard is not a flag of skyporter", async () => {
    const r = await run(["export", "--wizard", "--db", fx.db, "--did", DID], { cwd: fx.dir })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(STYLE)
  }, 60_000)
})

describe("format names in any case", () => {
  // Csv: the full export of the next describe. CSV, csv and JSON too: conventions.long.test.ts.
  it("--format NDJSON too", async () => {
    for (const format of ["NDJSON"]) {
      const dir = await exportOk(
        ["--db", fx.db, "--did", DID, "--format", format, "--out", path.join(fx.dir, `o-${format}`), "--quiet"],
        {
          cwd: fx.dir
        }
      )
      expect(readdirSync(dir)).toContain(`posts.${format.toLowerCase()}`)
    }
  }, 60_000)
})

describe("instants with any number of fraction digits", () => {
  it("--since/--until beyond nanoseconds are truncated, not refused (and --format Csv writes posts.csv)", async () => {
    // The full export to compare with, its format named in mixed case.
    const all = await exportOk(
      ["--db", fx.db, "--did", DID, "--format", "Csv", "--out", path.join(fx.dir, "o-all"), "--quiet"],
      { cwd: fx.dir }
    )
    expect(readdirSync(all).sort()).toEqual(["manifest.json", "posts.csv"])
    const rows = parseCsv((await import("node:fs")).readFileSync(path.join(all, "posts.csv"), "utf8"))
    expect(rows.length).toBeGreaterThan(2)
    const r = await run(
      [
        "export",
        "--db",
        fx.db,
        "--did",
        DID,
        "--format",
        "csv",
        "--out",
        path.join(fx.dir, "o-frac"),
        "--quiet",
        "--since",
        "2000-01-01T00:00:00.123456789123456Z",
        "--until",
        "2100-01-01T00:00:00.9999999999999+00:00"
      ],
      { cwd: fx.dir }
    )
    expect(r.code, show(r)).toBe(0)
    const some = parseCsv((await import("node:fs")).readFileSync(path.join(r.stdout.trim(), "posts.csv"), "utf8"))
    expect(some).toEqual(rows)
  }, 60_000)
})
