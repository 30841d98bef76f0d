/**
 * Loading plugins from specs and a config file, on real module files in temp
 * folders. The modules re-export plugin objects this test builds (through
 * globalThis), so they need no packages of their own.
 */
import { Effect, Exit, Schema } from "effect"
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as FormatPlugin from "../dist/FormatPlugin.js"
import * as PluginLoader from "../dist/PluginLoader.js"
import * as PluginOptions from "../dist/PluginOptions.js"
import { tempDir } from "./helpers.js"

const plugin = (name: string, over: Record<string, unknown> = {}): FormatPlugin.FormatPlugin =>
  ({
    name,
    version: "1.2.3",
    extension: "txt",
    mediaType: "text/plain",
    description: `the ${name} format`,
    apiVersion: FormatPlugin.API_VERSION,
    options: Schema.Struct({
      level: Schema.Number.pipe(Schema.withDecodingDefault(Effect.succeed(1)))
    }),
    make: () => Effect.succeed({ start: Effect.succeed(""), write: () => Effect.succeed(""), end: Effect.succeed("") }),
    ...over
  }) as FormatPlugin.FormatPlugin

const shared = globalThis as unknown as { __loaderTest: Record<string, unknown> }
shared.__loaderTest = {}
let ids = 0

/** Writes `file` (and its folders): an ES module whose exports are `exports` (name → value). */
const moduleFile = (file: string, exports: Record<string, unknown>): string => {
  mkdirSync(path.dirname(file), { recursive: true })
  const lines = Object.entries(exports).map(([name, value]) => {
    const id = `v${++ids}`
    shared.__loaderTest[id] = value
    const expr = `globalThis.__loaderTest[${JSON.stringify(id)}]`
    return name === "default" ? `export default ${expr}` : `export const ${name} = ${expr}`
  })
  writeFileSync(file, lines.join("\n") + "\n")
  return file
}

const packageJson = (dir: string, manifest: Record<string, unknown>) => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest))
}

const BUILTINS: ReadonlyArray<PluginLoader.Builtin> = [
  {
    plugin: plugin("builtin"),
    package: "@example/format-builtin"
  }
]

const load = (request: Omit<PluginLoader.LoadRequest, "builtins">) =>
  Effect.runPromise(PluginLoader.load({ builtins: BUILTINS, ...request }))

/** The message of a load that must fail with InvalidRequest. */
const failure = async (request: Omit<PluginLoader.LoadRequest, "builtins">): Promise<string> => {
  const exit = await Effect.runPromiseExit(PluginLoader.load({ builtins: BUILTINS, ...request }))
  if (Exit.isSuccess(exit)) throw new Error("the load succeeded")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as { _tag: string; message: string }
  expect(error._tag).toBe("InvalidRequest")
  return error.message
}

const names = (loaded: PluginLoader.Loaded) => loaded.registry.formats.map((f) => [f.plugin.name, f.origin])

describe("specs", () => {
  it("without specs or a config file: the built-ins", async () => {
    const loaded = await load({ cwd: tempDir() })
    expect(names(loaded)).toEqual([["builtin", "built-in"]])
    expect(loaded.options.size).toBe(0)
    expect(loaded.configFile).toBeUndefined()
  })

  it("a relative path, an absolute path, a named export `plugin` and a CommonJS module", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "plugins", "a.mjs"), { default: plugin("a") })
    const b = moduleFile(path.join(cwd, "b.mjs"), { plugin: plugin("b"), helper: 1 })
    const c = path.join(cwd, "c.cjs")
    shared.__loaderTest.c = plugin("c")
    writeFileSync(c, "module.exports = globalThis.__loaderTest.c\n")
    const loaded = await load({ cwd, specs: ["./plugins/a.mjs", b, c] })
    expect(names(loaded)).toEqual([
      ["builtin", "built-in"],
      ["a", "./plugins/a.mjs"],
      ["b", b],
      ["c", c]
    ])
  })

  it("a package folder by path, through its exports", async () => {
    const cwd = tempDir()
    packageJson(path.join(cwd, "fmt"), { name: "fmt", type: "module", exports: { ".": { import: "./src/entry.js" } } })
    moduleFile(path.join(cwd, "fmt", "src", "entry.js"), { default: plugin("folder") })
    expect(names(await load({ cwd, specs: ["./fmt"] })).at(-1)).toEqual(["folder", "./fmt"])
  })

  it("package names from the working directory: import-only exports, main, scoped subpaths", async () => {
    const cwd = tempDir()
    const modules = path.join(cwd, "node_modules")
    packageJson(path.join(modules, "esm-only"), {
      name: "esm-only",
      type: "module",
      exports: { ".": { import: "./index.js" } }
    })
    moduleFile(path.join(modules, "esm-only", "index.js"), { default: plugin("esm") })
    packageJson(path.join(modules, "with-main"), { name: "with-main", type: "module", main: "lib/main.js" })
    moduleFile(path.join(modules, "with-main", "lib", "main.js"), { default: plugin("main") })
    packageJson(path.join(modules, "@acme", "formats"), {
      name: "@acme/formats",
      type: "module",
      exports: { ".": "./index.js", "./extra": { node: { import: "./extra.js" } } }
    })
    moduleFile(path.join(modules, "@acme", "formats", "extra.js"), { plugin: plugin("extra") })
    const loaded = await load({ cwd, specs: ["esm-only", "with-main", "@acme/formats/extra"] })
    expect(names(loaded).slice(1)).toEqual([
      ["esm", "esm-only"],
      ["main", "with-main"],
      ["extra", "@acme/formats/extra"]
    ])
  })

  it("a spec naming a built-in's package adds nothing", async () => {
    expect(names(await load({ cwd: tempDir(), specs: ["@example/format-builtin"] }))).toEqual([["builtin", "built-in"]])
  })
})

describe("specs that fail, with what to do", () => {
  it("a path that does not exist", async () => {
    const cwd = tempDir()
    expect(await failure({ cwd, specs: ["./missing.mjs"] })).toBe(
      `cannot load plugin "./missing.mjs": there is no file or folder ${path.join(cwd, "missing.mjs")}`
    )
  })

  it("a package that is not installed, with a hint when a file of that name exists", async () => {
    const cwd = tempDir()
    expect(await failure({ cwd, specs: ["skyporter-format-nope"] })).toBe(
      `cannot load plugin "skyporter-format-nope": no package "skyporter-format-nope" is installed where ${cwd} ` +
        "can find it (npm install skyporter-format-nope)"
    )
    moduleFile(path.join(cwd, "local.mjs"), { default: plugin("local") })
    expect(await failure({ cwd, specs: ["local.mjs"] })).toMatch(/to load the file, write \.\/local\.mjs$/)
  })

  it("a module that is not a plugin says what is missing", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "half.mjs"), { default: { name: "half", make: () => null } })
    const message = await failure({ cwd, specs: ["./half.mjs"] })
    expect(message).toMatch(
      /^cannot load plugin "\.\/half\.mjs": its default export \(format "half"\) is not a skyporter format plugin: /
    )
    for (const field of ["version", "extension", "mediaType", "description", "apiVersion"]) {
      expect(message).toContain(`\`${field}\``)
    }
    expect(message).not.toContain("`name`")
  })

  it("a module without a default export or `plugin` lists what it exports", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "none.mjs"), { markdown: plugin("md"), helper: 1 })
    expect(await failure({ cwd, specs: ["./none.mjs"] })).toBe(
      'cannot load plugin "./none.mjs": it has no default export and no export named `plugin` (it exports helper, markdown)'
    )
  })

  it("a plugin built for another core major", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "future.mjs"), { default: plugin("future", { apiVersion: 3 }) })
    expect(await failure({ cwd, specs: ["./future.mjs"] })).toBe(
      `cannot load plugin "./future.mjs": format "future" 1.2.3 was built for plugin API 3, but this skyporter speaks ` +
        `plugin API ${FormatPlugin.API_VERSION}; install a version of the plugin made for API ${FormatPlugin.API_VERSION}`
    )
  })

  it("a plugin written for API 1 is told what changed and how to port", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "old.mjs"), { default: plugin("old", { apiVersion: 1 }) })
    const message = await failure({ cwd, specs: ["./old.mjs"] })
    expect(message).toContain('format "old" 1.2.3 was written for plugin API 1, but this skyporter speaks plugin API 2')
    expect(message).toContain(FormatPlugin.API_1_PORTING)
  })

  it("an unknown field is named, with what it likely means", async () => {
    const cwd = tempDir()
    const { extension: _, ...rest } = plugin("typo") as unknown as Record<string, unknown>
    moduleFile(path.join(cwd, "typo.mjs"), { default: { ...rest, extention: "txt" } })
    expect(await failure({ cwd, specs: ["./typo.mjs"] })).toContain(
      "unknown field `extention`: did you mean `extension`?"
    )
  })

  it("a module that throws while loading", async () => {
    const cwd = tempDir()
    writeFileSync(path.join(cwd, "broken.mjs"), "throw new Error('boom at load')\n")
    expect(await failure({ cwd, specs: ["./broken.mjs"] })).toBe(
      `cannot load plugin "./broken.mjs": importing ${path.join(cwd, "broken.mjs")} failed: boom at load ` +
        "(SKYPORTER_DEBUG=1 prints the stack)"
    )
  })

  it("two plugins with one name, or one named like a built-in", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "x1.mjs"), { default: plugin("x") })
    moduleFile(path.join(cwd, "x2.mjs"), { default: plugin("x") })
    moduleFile(path.join(cwd, "b.mjs"), { default: plugin("builtin") })
    expect(await failure({ cwd, specs: ["./x1.mjs", "./x2.mjs"] })).toBe(
      'two plugins are named "x": ./x1.mjs and ./x2.mjs'
    )
    expect(await failure({ cwd, specs: ["./b.mjs"] })).toBe('two plugins are named "builtin": built-in and ./b.mjs')
  })

  it("one module file named several ways (a relative path, an absolute one, a link, its folder) is loaded once", async () => {
    const cwd = tempDir()
    packageJson(path.join(cwd, "fmt"), { name: "fmt", type: "module", main: "x.mjs" })
    const file = moduleFile(path.join(cwd, "fmt", "x.mjs"), { default: plugin("x") })
    symlinkSync(file, path.join(cwd, "link.mjs"))
    const loaded = await load({ cwd, specs: ["./fmt/x.mjs", file, "./link.mjs", "./fmt"] })
    expect(names(loaded)).toEqual([
      ["builtin", "built-in"],
      ["x", "./fmt/x.mjs"]
    ])
  })
})

describe("the config file", () => {
  const config = (dir: string, value: unknown, name = PluginLoader.CONFIG_FILE) => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, name), typeof value === "string" ? value : JSON.stringify(value))
  }

  it("skyporter.config.json in the working directory: plugins with and without options", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "a.mjs"), { default: plugin("a") })
    moduleFile(path.join(cwd, "b.mjs"), { default: plugin("b") })
    config(cwd, { plugins: ["./a.mjs", ["./b.mjs", { level: 3 }], ["@example/format-builtin", { level: 2 }]] })
    const loaded = await load({ cwd })
    expect(names(loaded)).toEqual([
      ["builtin", "built-in"],
      ["a", "./a.mjs (skyporter.config.json)"],
      ["b", "./b.mjs (skyporter.config.json)"]
    ])
    expect(loaded.configFile).toBe(path.join(cwd, PluginLoader.CONFIG_FILE))
    expect([...loaded.options]).toEqual([
      ["b", { level: 3 }],
      ["builtin", { level: 2 }]
    ])
    expect(PluginLoader.optionsFor(loaded, "b")).toEqual({ level: 3 })
    expect(PluginLoader.optionsFor(loaded, "b", { level: 9, extra: true })).toEqual({ level: 9, extra: true })
    expect(PluginLoader.optionsFor(loaded, "a", { level: 4 })).toEqual({ level: 4 })
  })

  it("--config FILE: its entries resolve from its own folder; flags come after it", async () => {
    const cwd = tempDir()
    const elsewhere = path.join(cwd, "conf")
    moduleFile(path.join(elsewhere, "p.mjs"), { default: plugin("p") })
    moduleFile(path.join(cwd, "q.mjs"), { default: plugin("q") })
    config(elsewhere, { plugins: ["./p.mjs"] }, "my.json")
    const loaded = await load({ cwd, configFile: "conf/my.json", specs: ["./q.mjs"] })
    expect(names(loaded).slice(1)).toEqual([
      ["p", "./p.mjs (conf/my.json)"],
      ["q", "./q.mjs"]
    ])
  })

  it("an empty object is a valid config", async () => {
    const cwd = tempDir()
    config(cwd, {})
    expect(names(await load({ cwd }))).toEqual([["builtin", "built-in"]])
  })

  it("fails naming the file and the problem", async () => {
    const cwd = tempDir()
    moduleFile(path.join(cwd, "a.mjs"), { default: plugin("a") })
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      ['{"plugins": [', "skyporter.config.json is not valid JSON: "],
      [
        [],
        `skyporter.config.json does not have the shape {"plugins": ["pkg-or-path", ["pkg-or-path", {options}]]}: Expected object`
      ],
      [{ plugins: [1] }, 'Expected string | array at ["plugins"][0]'],
      [{ plugins: [["./a.mjs", 3]] }, 'Expected object at ["plugins"][0][1]'],
      [{ plugin: [] }, 'Expected no excess property at ["plugin"]'],
      [
        { plugins: [["./a.mjs", { levl: 2 }]] },
        'skyporter.config.json: plugin "./a.mjs": unknown option levl for format "a" (allowed: level): did you mean level for levl?'
      ],
      [
        { plugins: [["./a.mjs", { level: "high" }]] },
        'skyporter.config.json: plugin "./a.mjs": invalid options for format "a": option "level": expected number | undefined, got "high"'
      ],
      [
        {
          plugins: [
            ["@example/format-builtin", { level: 1 }],
            ["@example/format-builtin", {}]
          ]
        },
        'skyporter.config.json sets options for format "builtin" twice'
      ],
      [{ plugins: ["./nope.mjs"] }, 'cannot load plugin "./nope.mjs": there is no file or folder']
    ]
    for (const [value, message] of cases) {
      config(cwd, value)
      expect(await failure({ cwd })).toContain(message)
    }
  })

  it("--config naming a missing file fails; a missing default file does not", async () => {
    const cwd = tempDir()
    expect(await failure({ cwd, configFile: "nope.json" })).toBe("config file nope.json does not exist")
    expect((await load({ cwd })).configFile).toBeUndefined()
  })
})

describe("PluginOptions.decode", () => {
  it("fills in defaults and names unknown keys", async () => {
    const p = plugin("o")
    expect(await Effect.runPromise(PluginOptions.decode(p, {}))).toEqual({ level: 1 })
    expect(await Effect.runPromise(PluginOptions.decode(p, undefined))).toEqual({ level: 1 })
    const exit = await Effect.runPromiseExit(PluginOptions.decode(p, { a: 1, b: 2 }))
    expect(Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error.message).toBe(
      'unknown options a, b for format "o" (allowed: level)'
    )
  })

  it("validates through Standard Schema, reporting every issue", async () => {
    const standard = plugin("s", {
      options: {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: (input: { n?: unknown; m?: unknown }) =>
            typeof input.n === "number" && typeof input.m === "number"
              ? { value: input }
              : {
                  issues: [
                    { message: "expected a number", path: ["n"] },
                    { message: "expected a number", path: [{ key: "m" }] }
                  ]
                }
        }
      }
    })
    expect(await Effect.runPromise(PluginOptions.decode(standard, { n: 1, m: 2 }))).toEqual({ n: 1, m: 2 })
    const exit = await Effect.runPromiseExit(PluginOptions.decode(standard, { n: "1" }))
    expect(Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error.message).toBe(
      'invalid options for format "s": option "n": expected a number, got "1"; option "m": expected a number, got nothing'
    )
  })
})
