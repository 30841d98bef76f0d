/**
 * Loading third-party format plugins through the real CLI: by package name
 * (installed in the working directory's node_modules), by path, from
 * skyporter.config.json or --config with options, with repeated --plugin
 * flags and --option; how loading fails (a few ways here, every way in
 * plugin-load-failures.long.test.ts); and the example Markdown
 * plugin of examples/format-markdown loaded by path. The project has its own
 * copy of effect (not the CLI's): options are checked through Standard Schema.
 */
import { Synthetic } from "@skyporter/testkit"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import {
  DID,
  expectLoadingFailure,
  FAILURES,
  pluginProject,
  POSTS,
  shoutModule,
  withConfigIn,
  writeIn
} from "./plugin-project.js"
import { exportOk, generatePosts, readExport, run, show } from "./support.js"

const MARKDOWN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-markdown", import.meta.url))

/** The working directory of every run: a project with plugins installed and on disk. */
const project = pluginProject()
let dir = ""
let db = ""
let cwd = ""
beforeAll(() => ({ dir, db, cwd } = project))

const write = (relative: string, text: string) => writeIn(cwd, relative, text)

const out = () => path.join(dir, `out-${Math.random().toString(36).slice(2)}`)

/** Exports DID with `args`; returns the data file's text and the manifest. */
const exportText = async (ext: string, args: ReadonlyArray<string>, options: { cwd?: string } = {}) => {
  const published = await exportOk(["--db", db, "--did", DID, "--out", out(), "--quiet", ...args], {
    cwd: options.cwd ?? cwd
  })
  const { data, manifest } = readExport(published, ext)
  return { text: data.toString("utf8"), manifest }
}

const texts = generatePosts(DID, POSTS).map((p) => p.text.replace(/[\r\n]+/g, " "))
const shouted = (suffix: string, upper = true) => texts.map((t) => (upper ? t.toUpperCase() : t) + suffix).sort()

const lines = (text: string) => text.trimEnd().split("\n").sort()

const formats = async (args: ReadonlyArray<string>) => {
  const r = await run(["formats", "--json", ...args], { cwd })
  expect(r.code, show(r)).toBe(0)
  return JSON.parse(r.stdout) as Array<{ name: string; version: string; origin: string }>
}

const withConfig = <A>(config: unknown, body: () => Promise<A>, file?: string): Promise<A> =>
  withConfigIn(cwd, config, body, file)

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

  it("by path, relative to the working directory (a named export `plugin`)", async () => {
    const { text } = await exportText("txt", ["--plugin", "./plugins/quiet.mjs", "--format", "quiet"])
    expect(lines(text)).toEqual(shouted("!"))
  }, 60_000)

  it("with --plugin repeated, every plugin is loaded", async () => {
    const specs = ["--plugin", "skyporter-format-shout", "--plugin", "./plugins/quiet.mjs"]
    expect((await formats(specs)).map((f) => [f.name, f.origin])).toEqual([
      ["json", "built-in"],
      ["csv", "built-in"],
      ["ndjson", "built-in"],
      ["html", "built-in"],
      ["shout", "skyporter-format-shout"],
      ["quiet", "./plugins/quiet.mjs"]
    ])
    expect(lines((await exportText("txt", [...specs, "--format", "quiet"])).text)).toEqual(shouted("!"))
  }, 60_000)

  it("from skyporter.config.json, with options; --option overrides them key by key", async () => {
    const config = {
      plugins: [
        ["skyporter-format-shout", { suffix: "?" }],
        "./plugins/quiet.mjs",
        [
          "@skyporter/format-csv",
          {
            bom: false
          }
        ]
      ]
    }
    await withConfig(config, async () => {
      expect((await formats([])).map((f) => [f.name, f.origin]).filter(([, origin]) => origin !== "built-in")).toEqual([
        ["shout", "skyporter-format-shout (skyporter.config.json)"],
        ["quiet", "./plugins/quiet.mjs (skyporter.config.json)"]
      ])
      expect(lines((await exportText("txt", ["--format", "shout"])).text)).toEqual(shouted("?"))
      expect(lines((await exportText("txt", ["--format", "shout", "--option", "upper=false"])).text)).toEqual(
        shouted("?", false)
      )
      expect(lines((await exportText("txt", ["--format", "shout", "--option", "suffix=#"])).text)).toEqual(shouted("#"))
      // A value that parses as JSON is taken as JSON: "42" in quotes is a string (bare 42, a number, fails below).
      expect(lines((await exportText("txt", ["--format", "shout", "--option", 'suffix="42"'])).text)).toEqual(
        shouted("42")
      )
      // Options for a built-in: the config's bom=false.
      const csv = await exportText("csv", ["--format", "csv"])
      expect(csv.text.startsWith("URI,")).toBe(true)
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
    const plain = await exportText("csv", ["--format", "csv"])
    expect(plain.text.startsWith("\uFEFF")).toBe(true)
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

describe("the example plugin, examples/format-markdown, loaded by path", () => {
  it("exports a seeded archive to Markdown", async () => {
    const seeded = path.join(dir, "seeded.db")
    const { did, posts } = Synthetic.seedArchive(seeded, { posts: 300, seed: 3 })
    const spec = path.relative(cwd, MARKDOWN_EXAMPLE)
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
      { cwd }
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

describe("loading failures exit 2 with a message, and write nothing", () => {
  // A few here; the whole table, a CLI start each: plugin-load-failures.long.test.ts.
  it.each(FAILURES.filter((f) => f.loop))("$name", (failure) => expectLoadingFailure(project, failure), 60_000)
})

describe("a plugin that crashes", () => {
  it("names the plugin and the step; SKYPORTER_DEBUG=1 prints the stack", async () => {
    const args = [
      "export",
      "--db",
      db,
      "--did",
      DID,
      "--out",
      out(),
      "--plugin",
      "./plugins/crash.mjs",
      "--format",
      "crash"
    ]
    const r = await run(args, { cwd })
    expect(r.code, show(r)).not.toBe(0)
    expect(r.stderr).toMatch(
      /format "crash".*plugin crashed: kaboom \(in start at .*crash\.mjs:\d+:\d+\); SKYPORTER_DEBUG=1 prints the stack\)/
    )
    const debug = await run(args, { cwd, env: { SKYPORTER_DEBUG: "1" } })
    expect(debug.stderr).toMatch(/TypeError: kaboom\n\s+at .*start .*crash\.mjs/)
  }, 60_000)
})

describe("skyporter formats --config", () => {
  it("lists plugins of the config file; the same failures apply", async () => {
    const r = await withConfig("[", () => run(["formats"], { cwd }))
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toMatch(/^skyporter formats: skyporter\.config\.json is not valid JSON/)
    const ok = await withConfig({ plugins: ["skyporter-format-shout"] }, () => run(["formats"], { cwd }))
    expect(ok.code, show(ok)).toBe(0)
    expect(ok.stdout).toMatch(
      /^shout\s+v2\.0\.0\s+\.txt\s+skyporter-format-shout \(skyporter\.config\.json\)\s+post texts, loudly$/m
    )
  }, 60_000)
})

describe("skyporter serve loads plugins the same way", () => {
  it("--plugin and the config file fail before it listens, with the same messages", async () => {
    const serve = ["serve", "--db", db, "--out", out(), "--port", "0"]
    const r = await run([...serve, "--plugin", "./plugins/future.mjs"], { cwd })
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain('format "future" 2.0.0 was built for plugin API 3')
    const bad = await withConfig({ plugins: [["skyporter-format-shout", { loud: true }]] }, () => run(serve, { cwd }))
    expect(bad.code, show(bad)).toBe(2)
    expect(bad.stderr).toContain('unknown option loud for format "shout" (allowed: suffix, upper)')
  }, 60_000)
})
