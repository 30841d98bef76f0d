/**
 * Loading third-party format plugins through the real CLI: by package name
 * (installed in the working directory's node_modules), by path, from
 * skyporter.config.json or --config with options, with repeated --plugin
 * flags and --option; how loading fails (a few ways here, every way in
 * plugin-load-failures.long.test.ts). The project has its own copy of effect
 * (not the CLI's): options are checked through Standard Schema. Each run loads
 * the installed modules, the dearest CLI start: more cases of the same paths
 * (a package by name alone among them, and a module named both by the config
 * file and by --plugin), and the example Markdown plugin loaded by path, are
 * in plugins.long.test.ts.
 */
import { describe, expect, it } from "vitest"
import { STYLE } from "./error-style.js"
import {
  BUILT_IN,
  DID,
  expectLoadingFailure,
  CONFIG,
  FAILURES,
  lines,
  pluginProject,
  pluginRuns,
  POSTS,
  shouted,
  shoutModule,
  writeIn
} from "./plugin-project.js"
import { run, show } from "./support.js"

/** The working directory of every run: a project with plugins installed and on disk. */
const project = pluginProject()
const { exportText, formats, out, withConfig } = pluginRuns(project)

const write = (relative: string, text: string) => writeIn(project.cwd, relative, text)

describe("loading a plugin", () => {
  it("with --plugin repeated, every plugin is loaded: a package name, and a path relative to the working directory (a named export `plugin`)", async () => {
    const specs = ["--plugin", "skyporter-format-shout", "--plugin", "./plugins/quiet.mjs"]
    expect((await formats(specs)).map((f) => [f.name, f.origin])).toEqual([
      ...BUILT_IN,
      ["shout", "skyporter-format-shout"],
      ["quiet", "./plugins/quiet.mjs"]
    ])
    expect(lines((await exportText("txt", [...specs, "--format", "quiet"])).text)).toEqual(shouted("!"))
  }, 60_000)

  it("from skyporter.config.json, with options; --option overrides them key by key", async () => {
    await withConfig(CONFIG, async () => {
      // One export shows both: the config's suffix reaches the plugin, and --option replaces the
      // config's upper=true while the suffix stays (the config alone, and --option suffix=#, in
      // plugins.long.test.ts; the config listed by `formats`: below, and with --json and a
      // built-in's options from the config in plugins.long.test.ts).
      const shout = await exportText("txt", ["--format", "shout", "--option", "upper=false"])
      expect(shout.manifest.plugin).toEqual({ name: "shout", version: "2.0.0" })
      expect(shout.manifest.post_count).toBe(POSTS)
      expect(lines(shout.text)).toEqual(shouted("?", false))
    })
  }, 120_000)

  it("from --config FILE, whose entries resolve from the file's folder", async () => {
    write("conf/plugins/local.mjs", shoutModule("local"))
    await withConfig(
      { plugins: [["./plugins/local.mjs", { suffix: "." }]] },
      async () => {
        const { text } = await exportText("txt", ["--config", "conf/skyporter.json", "--format", "local"])
        expect(lines(text)).toEqual(shouted("."))
      },
      "conf/skyporter.json"
    )
  }, 60_000)

  it("--option sets a built-in's options: csv without BOM, with formula escaping", async () => {
    // Its default, a BOM: the golden vectors (golden.test.ts), and plugins.long.test.ts.
    const { text } = await exportText("csv", [
      "--format",
      "csv",
      "--option",
      "bom=false",
      "--option",
      "escapeFormulas=true"
    ])
    expect(text.startsWith("URI,")).toBe(true)
    expect(text).toContain("'=SUM(")
  }, 60_000)
})

describe("loading failures exit 2 with a message, and write nothing", () => {
  // A few here; the whole table, a CLI start each: plugin-load-failures.long.test.ts.
  it.each(FAILURES.filter((f) => f.loop))("$name", (failure) => expectLoadingFailure(project, failure), 60_000)
})

describe("a plugin that crashes", () => {
  it("names the plugin and the step, and how to see the stack (SKYPORTER_DEBUG=1: plugins.long.test.ts)", async () => {
    const args = [
      "export",
      "--db",
      project.db,
      "--did",
      DID,
      "--out",
      out(),
      "--plugin",
      "./plugins/crash.mjs",
      "--format",
      "crash"
    ]
    const r = await run(args, { cwd: project.cwd })
    expect(r.code, show(r)).not.toBe(0)
    expect(r.stderr).toMatch(
      /format "crash".*plugin crashed: kaboom \(in start at .*crash\.mjs:\d+:\d+\); SKYPORTER_DEBUG=1 prints the stack\)/
    )
  }, 60_000)
})

describe("skyporter formats --config", () => {
  it("lists plugins of the config file; the same failures apply", async () => {
    const r = await withConfig("[", () => run(["formats"], { cwd: project.cwd }))
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(/^skyporter formats: skyporter\.config\.json is not valid JSON/)
    // The CLI's one error style (conventions.test.ts).
    expect(r.stdout).toBe("")
    expect(r.stderr, show(r)).toMatch(STYLE)
    expect(r.stderr).toContain("Run 'skyporter formats --help' for usage.")
    const ok = await withConfig(CONFIG, () => run(["formats"], { cwd: project.cwd }))
    expect(ok.code, show(ok)).toBe(0)
    expect(ok.stdout).toMatch(
      /^shout\s+v2\.0\.0\s+\.txt\s+skyporter-format-shout \(skyporter\.config\.json\)\s+post texts, loudly$/m
    )
    expect(ok.stdout).toMatch(
      /^quiet\s+v2\.0\.0\s+\.txt\s+\.\/plugins\/quiet\.mjs \(skyporter\.config\.json\)\s+post texts, loudly$/m
    )
  }, 60_000)
})

describe("skyporter serve loads plugins the same way", () => {
  it("--plugin fails before it listens, with the same message (the config file: plugins.long.test.ts)", async () => {
    const serve = ["serve", "--db", project.db, "--out", out(), "--port", "0"]
    const r = await run([...serve, "--plugin", "./plugins/future.mjs"], { cwd: project.cwd })
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain('format "future" 2.0.0 was built for plugin API 3')
  }, 60_000)
})
