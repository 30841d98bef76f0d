/**
 * More of plugins.test.ts's paths through the real CLI, each run loading the installed modules:
 * a package by name alone, listed and exported (in the loop: with a path, and from a config
 * file), a module named both by the config file and by --plugin loaded once, --option values
 * read as JSON over a config's options, the stack of a crashing plugin with SKYPORTER_DEBUG=1,
 * a config file listed by `formats --json` and its options for a built-in, csv's default BOM,
 * serve refusing a config file's bad options before it listens, and the example Markdown
 * plugin of examples/format-markdown loaded by a path outside the working directory.
 * plugins.test.ts keeps one run of each path in the loop.
 */
import { Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import {
  BUILT_IN,
  CONFIG,
  DID,
  expectLoadingFailure,
  lines,
  pluginProject,
  pluginRuns,
  POSTS,
  shouted
} from "./plugin-project.js"
import { exportOk, readExport, run, show } from "./support.js"

const MARKDOWN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-markdown", import.meta.url))

const project = pluginProject()
const { exportText, formats, out, withConfig } = pluginRuns(project)

describe("loading a plugin", () => {
  it("by package name, resolved from the working directory", async () => {
    const listed = await formats(["--plugin", "skyporter-format-shout"])
    expect(listed.map((f) => [f.name, f.version, f.origin]).at(-1)).toEqual([
      "shout",
      "2.0.0",
      "skyporter-format-shout"
    ])
    const { text, manifest } = await exportText("txt", ["--plugin", "skyporter-format-shout", "--format", "shout"])
    expect(manifest.plugin).toEqual({ name: "shout", version: "2.0.0" })
    expect(manifest.post_count).toBe(POSTS)
    expect(lines(text)).toEqual(shouted("!"))
  }, 60_000)

  it("a module named both in skyporter.config.json and by --plugin is loaded once, its config options kept", async () => {
    await withConfig(CONFIG, async () => {
      // The config's path again, and the installed package's module by its own path.
      const again = ["--plugin", "./plugins/quiet.mjs", "--plugin", "./node_modules/skyporter-format-shout/index.js"]
      expect((await formats(again)).map((f) => [f.name, f.origin])).toEqual([
        ...BUILT_IN,
        ["shout", "skyporter-format-shout (skyporter.config.json)"],
        ["quiet", "./plugins/quiet.mjs (skyporter.config.json)"]
      ])
      const shout = await exportText("txt", [...again, "--format", "shout"])
      expect(lines(shout.text)).toEqual(shouted("?"))
      // Another module with a name already taken stays a mistake.
      await expectLoadingFailure(project, {
        name: "another module named like one of the config file's",
        args: ["--plugin", "./plugins/also-quiet.mjs"],
        message:
          'two plugins are named "quiet": ./plugins/quiet.mjs (skyporter.config.json) and ./plugins/also-quiet.mjs'
      })
    })
  }, 120_000)
})

describe("options of a plugin from skyporter.config.json", () => {
  it("--option overrides them key by key, a value that parses as JSON taken as JSON", async () => {
    await withConfig({ plugins: [["skyporter-format-shout", { suffix: "?" }]] }, async () => {
      // The config's options alone (in the loop: with an --option over them, plugins.test.ts).
      const shout = await exportText("txt", ["--format", "shout"])
      expect(shout.manifest.plugin).toEqual({ name: "shout", version: "2.0.0" })
      expect(shout.manifest.post_count).toBe(POSTS)
      expect(lines(shout.text)).toEqual(shouted("?"))
      expect(lines((await exportText("txt", ["--format", "shout", "--option", "suffix=#"])).text)).toEqual(shouted("#"))
      expect(lines((await exportText("txt", ["--format", "shout", "--option", "upper=false"])).text)).toEqual(
        shouted("?", false)
      )
      // "42" in quotes is a string (bare 42, a number, fails: plugin-project.ts's FAILURES).
      expect(lines((await exportText("txt", ["--format", "shout", "--option", 'suffix="42"'])).text)).toEqual(
        shouted("42")
      )
    })
  }, 120_000)
})

describe("from skyporter.config.json (in the loop: an export with --option over its options, and `formats`)", () => {
  it("`formats --json` lists its plugins, and a built-in takes its options", async () => {
    await withConfig(CONFIG, async () => {
      expect((await formats([])).map((f) => [f.name, f.origin]).filter(([, origin]) => origin !== "built-in")).toEqual([
        ["shout", "skyporter-format-shout (skyporter.config.json)"],
        ["quiet", "./plugins/quiet.mjs (skyporter.config.json)"]
      ])
      // The config's bom=false.
      const csv = await exportText("csv", ["--format", "csv"])
      expect(csv.text.startsWith("URI,")).toBe(true)
    })
  }, 120_000)
})

describe("--option for a built-in (in the loop: bom=false and escapeFormulas=true)", () => {
  it("without it, csv starts with a BOM", async () => {
    const plain = await exportText("csv", ["--format", "csv"])
    expect(plain.text.startsWith("\uFEFF")).toBe(true)
  }, 60_000)
})

describe("a plugin that crashes", () => {
  it("SKYPORTER_DEBUG=1 prints the stack", async () => {
    const args = ["export", "--db", project.db, "--did", DID, "--out", out(), "--plugin", "./plugins/crash.mjs"]
    const debug = await run([...args, "--format", "crash"], { cwd: project.cwd, env: { SKYPORTER_DEBUG: "1" } })
    expect(debug.code, show(debug)).not.toBe(0)
    expect(debug.stderr).toMatch(/TypeError: kaboom\n\s+at .*start .*crash\.mjs/)
  }, 60_000)
})

describe("skyporter serve loads plugins the same way", () => {
  it("a config file's bad options fail before it listens, with the same message", async () => {
    const serve = ["serve", "--db", project.db, "--out", out(), "--port", "0"]
    const bad = await withConfig({ plugins: [["skyporter-format-shout", { loud: true }]] }, () =>
      run(serve, { cwd: project.cwd })
    )
    expect(bad.code, show(bad)).toBe(2)
    expect(bad.stdout).toBe("")
    expect(bad.stderr).toContain('unknown option loud for format "shout" (allowed: suffix, upper)')
  }, 60_000)
})

describe("the example plugin, examples/format-markdown, loaded by path", () => {
  it("exports a seeded archive to Markdown", async () => {
    const seeded = path.join(project.dir, "seeded.db")
    const { did, posts } = Synthetic.seedArchive(seeded, { posts: 300, seed: 3 })
    const spec = path.relative(project.cwd, MARKDOWN_EXAMPLE)
    expect(spec.startsWith("..")).toBe(true)
    const listed = await formats(["--plugin", spec])
    expect(listed.at(-1)).toMatchObject({ name: "markdown", version: "1.0.0", origin: spec })
    const published = await exportOk(
      [
        "--db",
        seeded,
        "--did",
        did,
        "--out",
        out(),
        "--plugin",
        spec,
        "--format",
        "markdown",
        "--option",
        "title=My archive"
      ],
      { cwd: project.cwd }
    )
    const { data, manifest } = readExport(published, "md")
    expect(manifest).toMatchObject({
      export_format: "markdown",
      plugin: { name: "markdown", version: "1.0.0" },
      post_count: posts
    })
    const text = data.toString("utf8")
    expect(text.startsWith("# My archive\n\n## ")).toBe(true)
    expect(text.split("\n## ").length - 1).toBe(posts)
    expect(text).toContain("[view on Bluesky](<https://bsky.app/profile/")
  }, 120_000)
})
