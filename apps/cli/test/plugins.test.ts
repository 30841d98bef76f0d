/**
 * Loading third-party format plugins through the real CLI: by package name
 * (installed in the working directory's node_modules), by path, from
 * skyporter.config.json or --config with options, with repeated --plugin
 * flags and --option; every way loading can fail; and the example Markdown
 * plugin of examples/format-markdown loaded by path. The project has its own
 * copy of effect (not the CLI's): options are checked through Standard Schema.
 */
import { Synthetic } from "@skyporter/testkit"
import { cpSync, mkdirSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  exportOk,
  generatePosts,
  listTree,
  readExport,
  removeDir,
  run,
  show,
  tempDir,
  writeArchive
} from "./support.js"

const DID = "did:plc:pluginspluginsplugins22"
const POSTS = 25
const MARKDOWN_EXAMPLE = fileURLToPath(new URL("../../../examples/format-markdown", import.meta.url))

/** A plugin module (API 2): each post's text on one line, upper-cased unless `upper` is false, ending in `suffix`. */
const shoutModule = (name: string, { apiVersion = 2, exportAs = "default" } = {}) => `
import { Effect, Schema } from "effect"

const Options = Schema.Struct({
  suffix: Schema.String.pipe(Schema.withDecodingDefault(Effect.succeed("!"))),
  upper: Schema.Boolean.pipe(Schema.withDecodingDefault(Effect.succeed(true)))
})

const format = {
  name: ${JSON.stringify(name)},
  version: "2.0.0",
  extension: "txt",
  mediaType: "text/plain; charset=utf-8",
  description: "post texts, loudly",
  apiVersion: ${apiVersion},
  options: Schema.toStandardSchemaV1(Options, { parseOptions: { errors: "all", onExcessProperty: "error" } }),
  make: (o) => ({
    write: (batch) => batch.map((p) =>
      (o.upper ? p.text.toUpperCase() : p.text).replace(/[\\r\\n]+/g, " ") + o.suffix + "\\n").join("")
  })
}
${exportAs === "default" ? "export default format" : `export const ${exportAs} = format`}
`

let dir: string
let db: string
/** The working directory of every run: a project with plugins installed and on disk. */
let cwd: string

const write = (relative: string, text: string) => {
  const file = path.join(cwd, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

beforeAll(() => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  writeArchive(db, generatePosts(DID, POSTS))
  cwd = path.join(dir, "project")
  // The project's own copy of effect, as npm would install it for a plugin: not the CLI's.
  const effect = path.dirname(createRequire(import.meta.url).resolve("effect/package.json"))
  cpSync(effect, path.join(cwd, "node_modules", "effect"), { recursive: true, dereference: true })
  // An installed package whose exports only meet the "import" condition.
  write(
    "node_modules/skyporter-format-shout/package.json",
    JSON.stringify({
      name: "skyporter-format-shout",
      version: "2.0.0",
      type: "module",
      exports: { ".": { import: "./index.js" } }
    })
  )
  write("node_modules/skyporter-format-shout/index.js", shoutModule("shout"))
  write("plugins/quiet.mjs", shoutModule("quiet", { exportAs: "plugin" }))
  write("plugins/also-quiet.mjs", shoutModule("quiet"))
  write("plugins/future.mjs", shoutModule("future", { apiVersion: 3 }))
  write("plugins/old.mjs", shoutModule("old", { apiVersion: 1 }))
  write("plugins/typo.mjs", shoutModule("typo").replace("extension:", "extention:"))
  write(
    "plugins/crash.mjs",
    shoutModule("crash").replace("make: (o) => ({", "make: (o) => ({ start: () => { throw new TypeError('kaboom') },")
  )
  write("plugins/half.mjs", "export default { name: 'half', version: '1.0.0', make: () => null }\n")
  write("plugins/nothing.mjs", "export const helper = 1\n")
})

afterAll(() => removeDir(dir))

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

const withConfig = async <A>(config: unknown, body: () => Promise<A>, file = "skyporter.config.json"): Promise<A> => {
  write(file, typeof config === "string" ? config : JSON.stringify(config))
  try {
    return await body()
  } finally {
    removeDir(path.join(cwd, file))
  }
}

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

interface Failure {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly config?: unknown
  readonly message: string | RegExp
}

const FAILURES: ReadonlyArray<Failure> = [
  {
    name: "a package that is not installed",
    args: ["--plugin", "skyporter-format-missing"],
    message: 'cannot load plugin "skyporter-format-missing": no package "skyporter-format-missing" is installed'
  },
  {
    name: "a path that does not exist",
    args: ["--plugin", "./plugins/missing.mjs"],
    message: 'cannot load plugin "./plugins/missing.mjs": there is no file or folder'
  },
  {
    name: "a module that is not a plugin says what is missing",
    args: ["--plugin", "./plugins/half.mjs"],
    message:
      /its default export \(format "half"\) is not a skyporter format plugin: `extension` must be .*`mediaType`.*`description`.*`apiVersion`/
  },
  {
    name: "a module without a plugin export",
    args: ["--plugin", "./plugins/nothing.mjs"],
    message: "it has no default export and no export named `plugin` (it exports helper)"
  },
  {
    name: "two plugins with one name",
    args: ["--plugin", "./plugins/quiet.mjs", "--plugin", "./plugins/also-quiet.mjs"],
    message: 'two plugins are named "quiet": ./plugins/quiet.mjs and ./plugins/also-quiet.mjs'
  },
  {
    name: "a plugin built for an incompatible core major",
    args: ["--plugin", "./plugins/future.mjs"],
    message: 'format "future" 2.0.0 was built for plugin API 3, but this skyporter speaks plugin API 2'
  },
  {
    name: "a plugin written for API 1 is told how to port",
    args: ["--plugin", "./plugins/old.mjs"],
    message:
      /format "old" 2\.0\.0 was written for plugin API 1, but this skyporter speaks plugin API 2: .*Porting from API 1/
  },
  {
    name: "a misspelt field of a plugin",
    args: ["--plugin", "./plugins/typo.mjs"],
    message: "unknown field `extention`: did you mean `extension`?"
  },
  {
    name: "an invalid --option value",
    args: ["--plugin", "skyporter-format-shout", "--format", "shout", "--option", "upper=maybe"],
    message: 'invalid options for format "shout"'
  },
  {
    name: "an --option value read as JSON of the wrong type",
    args: ["--plugin", "skyporter-format-shout", "--format", "shout", "--option", "suffix=42"],
    message:
      'invalid options for format "shout": option "suffix": expected string | undefined, got the number 42 ' +
      `(--option reads VALUE as JSON, so 42 is not text: quote it, as in --option 'suffix="42"')`
  },
  {
    name: "a misspelt --option",
    args: ["--plugin", "skyporter-format-shout", "--format", "shout", "--option", "sufix=?"],
    message: 'unknown option sufix for format "shout" (allowed: suffix, upper): did you mean suffix for sufix?'
  },
  {
    name: "an --option the format does not have",
    args: ["--format", "csv", "--option", "bom=false", "--option", "colour=red"],
    message: 'unknown option colour for format "csv" (allowed: bom, escapeFormulas)'
  },
  {
    name: "an --option without =",
    args: ["--option", "bom"],
    message: 'invalid --option "bom": expected KEY=VALUE'
  },
  {
    name: "an invalid option in the config, for a format that is not exported",
    args: ["--format", "json"],
    config: { plugins: [["skyporter-format-shout", { suffix: 3 }]] },
    message:
      'skyporter.config.json: plugin "skyporter-format-shout": invalid options for format "shout": option "suffix": expected string | undefined, got the number 3'
  },
  {
    name: "every bad option of a config file is reported",
    args: ["--format", "json"],
    config: {
      plugins: [
        ["skyporter-format-shout", { suffix: 3, upper: "no" }],
        ["@skyporter/format-csv", { bom: 1 }]
      ]
    },
    message:
      'skyporter.config.json: plugin "skyporter-format-shout": invalid options for format "shout": ' +
      'option "suffix": expected string | undefined, got the number 3 (--option reads VALUE as JSON, so 3 is not text: ' +
      `quote it, as in --option 'suffix="3"'); option "upper": expected boolean | undefined, got "no"; ` +
      'plugin "@skyporter/format-csv": invalid options for format "csv": option "bom": expected true or false, got 1'
  },
  {
    name: "a config file that is not JSON",
    args: [],
    config: "{ plugins: [] }",
    message: "skyporter.config.json is not valid JSON"
  },
  {
    name: "a config file of the wrong shape",
    args: [],
    config: { plugins: { shout: {} } },
    message: 'skyporter.config.json does not have the shape {"plugins": ["pkg-or-path", ["pkg-or-path", {options}]]}'
  },
  {
    name: "--config naming a missing file",
    args: ["--config", "missing.json"],
    message: "config file missing.json does not exist"
  }
]

describe("loading failures exit 2 with a message, and write nothing", () => {
  it.each(FAILURES)(
    "$name",
    async ({ args, config, message }) => {
      const target = out()
      const attempt = () => run(["export", "--db", db, "--did", DID, "--out", target, ...args], { cwd })
      const r = config === undefined ? await attempt() : await withConfig(config, attempt)
      expect(r.code, show(r)).toBe(2)
      expect(r.stdout).toBe("")
      // toMatch takes the expected text as a substring, or a pattern.
      expect(r.stderr, show(r)).toMatch(message)
      const stderrLines = r.stderr.trim().split("\n")
      expect(stderrLines, "one line, then the help hint").toHaveLength(2)
      expect(stderrLines[1]).toBe("Run 'skyporter export --help' for usage.")
      expect(listTree(target)).toEqual([])
    },
    60_000
  )
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
