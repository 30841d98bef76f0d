/**
 * The project the plugin tests run the CLI in: an archive of POSTS posts of DID and a working
 * directory with its own copy of effect (not the CLI's), an installed plugin package and plugin
 * files on disk, good ones and every kind of broken one; and the ways loading a plugin must fail.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { afterAll, beforeAll, expect } from "vitest"
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

export const DID = "did:plc:pluginspluginsplugins22"
export const POSTS = 25

/** What `formats` lists first: the built-in formats and their origin. */
export const BUILT_IN = ["json", "csv", "ndjson", "html"].map((name) => [name, "built-in"])

/** A plugin module (API 2): each post's text on one line, upper-cased unless `upper` is false, ending in `suffix`. */
export const shoutModule = (name: string, { apiVersion = 2, exportAs = "default" } = {}) => `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

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

export interface PluginProject {
  readonly dir: string
  readonly db: string
  /** The working directory of every run. */
  readonly cwd: string
}

/** Writes `text` to `relative` under `cwd`, making its folders. */
export const writeIn = (cwd: string, relative: string, text: string): void => {
  const file = path.join(cwd, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

/**
 * A copy of effect apart from the CLI's, made once per version under node_modules/.cache: only
 * what Node runs (package.json and the JavaScript of dist/), a quarter of the package's bytes.
 * Its one path lets Node's compile cache serve every run, where a copy per project added entries.
 */
const effectCopy = (): string => {
  const effect = path.dirname(createRequire(import.meta.url).resolve("effect/package.json"))
  const { version } = JSON.parse(readFileSync(path.join(effect, "package.json"), "utf8")) as { version: string }
  const copy = path.join(path.dirname(effect), ".cache", "skyporter-plugin-effect", version, "node_modules", "effect")
  if (existsSync(path.join(copy, "package.json"))) return copy
  const runs = (file: string) =>
    file === effect ||
    file === path.join(effect, "package.json") ||
    file.endsWith(".js") ||
    (file.startsWith(path.join(effect, "dist")) && statSync(file).isDirectory())
  // Made aside and renamed into place: test files in other workers may make it at the same time.
  const making = `${copy}.${process.pid}-${Date.now()}`
  cpSync(effect, making, { recursive: true, dereference: true, filter: runs })
  try {
    renameSync(making, copy)
  } catch (e) {
    rmSync(making, { recursive: true, force: true })
    if (!existsSync(path.join(copy, "package.json"))) throw e
  }
  return copy
}

/** The project, made before and removed after the file's tests. */
export const pluginProject = (): PluginProject => {
  const project = { dir: "", db: "", cwd: "" }
  beforeAll(() => {
    project.dir = tempDir()
    project.db = path.join(project.dir, "archive.db")
    writeArchive(project.db, generatePosts(DID, POSTS))
    project.cwd = path.join(project.dir, "project")
    const write = (relative: string, text: string) => writeIn(project.cwd, relative, text)
    // The project's own copy of effect, not the CLI's: linked, as pnpm installs a package.
    mkdirSync(path.join(project.cwd, "node_modules"), { recursive: true })
    symlinkSync(effectCopy(), path.join(project.cwd, "node_modules", "effect"), "dir")
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
  afterAll(() => removeDir(project.dir))
  return project
}

/** Runs `body` with `config` written to `file` in `cwd` (removed after). */
export const withConfigIn = async <A>(
  cwd: string,
  config: unknown,
  body: () => Promise<A>,
  file = "skyporter.config.json"
): Promise<A> => {
  writeIn(cwd, file, typeof config === "string" ? config : JSON.stringify(config))
  try {
    return await body()
  } finally {
    removeDir(path.join(cwd, file))
  }
}

/**
 * The config file of plugins.test.ts and plugins.long.test.ts: a package with options, a path,
 * and options for a built-in.
 */
export const CONFIG = {
  plugins: [
    ["skyporter-format-shout", { suffix: "?", upper: true }],
    "./plugins/quiet.mjs",
    ["@skyporter/format-csv", { bom: false }]
  ]
}

/** Each post's text on one line, upper-cased unless `upper` is false, ending in `suffix`, sorted. */
export const shouted = (suffix: string, upper = true): Array<string> =>
  generatePosts(DID, POSTS)
    .map((p) => p.text.replace(/[\r\n]+/g, " "))
    .map((t) => (upper ? t.toUpperCase() : t) + suffix)
    .sort()

/** A text's lines, sorted. */
export const lines = (text: string): Array<string> => text.trimEnd().split("\n").sort()

/** The runs the plugin tests make in the project's working directory. */
export const pluginRuns = (project: PluginProject) => {
  const out = () => path.join(project.dir, `out-${Math.random().toString(36).slice(2)}`)
  return {
    out,
    /** Exports DID with `args`; returns the data file's text and the manifest. */
    exportText: async (ext: string, args: ReadonlyArray<string>, options: { cwd?: string } = {}) => {
      const published = await exportOk(["--db", project.db, "--did", DID, "--out", out(), "--quiet", ...args], {
        cwd: options.cwd ?? project.cwd
      })
      const { data, manifest } = readExport(published, ext)
      return { text: data.toString("utf8"), manifest }
    },
    /** `skyporter formats --json` with `args`: the formats it lists. */
    formats: async (args: ReadonlyArray<string>) => {
      const r = await run(["formats", "--json", ...args], { cwd: project.cwd })
      expect(r.code, show(r)).toBe(0)
      return JSON.parse(r.stdout) as Array<{ name: string; version: string; origin: string }>
    },
    withConfig: <A>(config: unknown, body: () => Promise<A>, file?: string): Promise<A> =>
      withConfigIn(project.cwd, config, body, file)
  }
}

export interface Failure {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly config?: unknown
  readonly message: string | RegExp
  /** Also in `npm test` (the whole table runs in plugin-load-failures.long.test.ts). */
  readonly loop?: boolean
}

export const FAILURES: ReadonlyArray<Failure> = [
  {
    name: "a package that is not installed",
    loop: true,
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
    // In the loop through a built-in (the next case): the CLI's hint is the same, no plugin to load.
    name: "an --option value read as JSON of the wrong type",
    args: ["--plugin", "skyporter-format-shout", "--format", "shout", "--option", "suffix=42"],
    message:
      'invalid options for format "shout": option "suffix": expected string | undefined, got the number 42 ' +
      `(--option reads VALUE as JSON, so 42 is not text: quote it, as in --option 'suffix="42"')`
  },
  {
    name: "an --option value read as JSON of the wrong type, for a built-in format",
    loop: true,
    args: ["--format", "html", "--option", "title=42"],
    message:
      'invalid options for format "html": option "title": expected a non-empty string, got 42 ' +
      `(--option reads VALUE as JSON, so 42 is not text: quote it, as in --option 'title="42"')`
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
    // In the loop through `skyporter formats` (plugins.test.ts), which reads the config the same way.
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

/** An export that fails to load its plugins: exit 2, one line and the help hint, nothing written. */
export const expectLoadingFailure = async (project: PluginProject, { args, config, message }: Failure) => {
  const target = path.join(project.dir, `out-${Math.random().toString(36).slice(2)}`)
  const attempt = () =>
    run(["export", "--db", project.db, "--did", DID, "--out", target, ...args], { cwd: project.cwd })
  const r = config === undefined ? await attempt() : await withConfigIn(project.cwd, config, attempt)
  expect(r.code, show(r)).toBe(2)
  expect(r.stdout).toBe("")
  // toMatch takes the expected text as a substring, or a pattern.
  expect(r.stderr, show(r)).toMatch(message)
  const stderrLines = r.stderr.trim().split("\n")
  expect(stderrLines, "one line, then the help hint").toHaveLength(2)
  expect(stderrLines[1]).toBe("Run 'skyporter export --help' for usage.")
  expect(listTree(target)).toEqual([])
}
