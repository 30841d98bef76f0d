/**
 * Loading the format plugins a user names — `--plugin SPEC` and a
 * `skyporter.config.json` — into a registry. Every frontend (the CLI, the
 * HTTP server) loads through here, so a plugin loads, and fails to load, with
 * the same messages everywhere.
 *
 * A SPEC is a package name, resolved like an `import` from a folder (the
 * working directory for flags, the config file's folder for its entries), or
 * a path to a module or to a package folder (starting with `./`, `../` or
 * `/`). The module's default export, or its export named `plugin`, must be a
 * plugin for this core's API; it is registered in the engine's form (see
 * `FormatPlugin.toInternal`).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { readFileSync, realpathSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, InvalidRequest } from "./Errors.js"
import * as Plugin from "./FormatPlugin.js"
import type { AnyPlugin } from "./FormatPlugin.js"
import * as FormatRegistry from "./FormatRegistry.js"
import * as PluginOptions from "./PluginOptions.js"

/** The config file looked for in the working directory. */
export const CONFIG_FILE = "skyporter.config.json"

/** A plugin shipped with the frontend and the package it comes from; a config entry may name that package to set its options. */
export interface Builtin {
  readonly plugin: AnyPlugin
  readonly package: string
}

/** A plugin's options as a JSON object. */
export type Options = { readonly [key: string]: unknown }

/** One entry of `plugins`: `"pkg-or-path"` or `["pkg-or-path", {options}]`. */
export const ConfigEntry = Schema.Union([
  Schema.String,
  Schema.Tuple([Schema.String, Schema.Record(Schema.String, Schema.Unknown)])
])

/** The config file: `{"plugins": ["pkg-or-path", ["pkg-or-path", {options}]]}`. */
export const Config = Schema.Struct({ plugins: Schema.optional(Schema.Array(ConfigEntry)) })
export type Config = typeof Config.Type

const SHAPE = `{"plugins": ["pkg-or-path", ["pkg-or-path", {options}]]}`

export interface LoadRequest {
  /** Where flag specs resolve and where `skyporter.config.json` is looked for. */
  readonly cwd: string
  /** Plugins that are always there (registered first, origin "built-in"). */
  readonly builtins?: ReadonlyArray<Builtin> | undefined
  /** `--plugin` specs, in order. */
  readonly specs?: ReadonlyArray<string> | undefined
  /** A config file that must exist (`--config FILE`, relative to `cwd`); default `skyporter.config.json` in `cwd` if present. */
  readonly configFile?: string | undefined
}

export interface Loaded {
  /** Built-ins, then the config file's plugins, then the flags'. */
  readonly registry: FormatRegistry.FormatRegistryShape
  /** The config file's options by format name, as written (already checked against each plugin's schema). */
  readonly options: ReadonlyMap<string, Options>
  /** The config file that was read (absolute), if any. */
  readonly configFile: string | undefined
}

// ---------------------------------------------------------------------------
// Config file

interface ConfigSource {
  readonly file: string
  /** How messages name it: as the user wrote it. */
  readonly display: string
  readonly config: Config
}

const configError = (message: string) => new InvalidRequest({ field: "config", message })

/** Reads and checks the config file; undefined when the default one is absent. */
const readConfig = (
  cwd: string,
  explicit: string | undefined
): Effect.Effect<ConfigSource | undefined, InvalidRequest> =>
  Effect.gen(function* () {
    const display = explicit ?? CONFIG_FILE
    const file = path.resolve(cwd, display)
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === "ENOENT" && explicit === undefined) return undefined
      return yield* configError(
        code === "ENOENT"
          ? `config file ${display} does not exist`
          : `cannot read config file ${display}: ${describe(e)}`
      )
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      return yield* configError(`${display} is not valid JSON: ${describe(e)}`)
    }
    const config = yield* Schema.decodeUnknownEffect(Config)(json, { onExcessProperty: "error", errors: "all" }).pipe(
      Effect.mapError((e) =>
        configError(`${display} does not have the shape ${SHAPE}: ${PluginOptions.oneLine(e.message)}`)
      )
    )
    return { file, display, config }
  })

// ---------------------------------------------------------------------------
// Resolving a SPEC to a file

/** A spec that names a file or folder rather than a package. */
export const isPathSpec = (spec: string): boolean => /^\.\.?(?:[\\/]|$)/.test(spec) || path.isAbsolute(spec)

/** Resolution failed for a reason the user can fix; the message says how. */
class Unresolvable extends Error {}

const CONDITIONS = new Set(["node", "import", "default"])

/** The target of an `exports` entry under the conditions an `import` from Node meets, in the entry's key order. */
const conditionalTarget = (target: unknown): string | undefined => {
  if (typeof target === "string") return target
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = conditionalTarget(t)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof target !== "object" || target === null) return undefined
  for (const [condition, value] of Object.entries(target)) {
    if (!CONDITIONS.has(condition)) continue
    const found = conditionalTarget(value)
    if (found !== undefined) return found
  }
  return undefined
}

/** The module a package folder's `package.json` names for `subpath` ("." or "./x") when imported. */
const packageEntry = (dir: string, subpath: string): string => {
  let manifest: { exports?: unknown; main?: unknown }
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))
  } catch (e) {
    throw new Unresolvable(
      `${dir} is a folder without a readable package.json (${describe(e)}); name the module file instead`
    )
  }
  const exp = manifest.exports
  if (exp !== undefined && exp !== null) {
    const bySubpath = typeof exp === "object" && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."))
    const target = conditionalTarget(
      bySubpath ? (exp as Record<string, unknown>)[subpath] : subpath === "." ? exp : undefined
    )
    if (target === undefined) {
      throw new Unresolvable(`the package in ${dir} exports nothing an import can load as ${subpath}`)
    }
    return path.resolve(dir, target)
  }
  if (subpath !== ".") return path.resolve(dir, subpath)
  const main = typeof manifest.main === "string" ? manifest.main : "index.js"
  for (const candidate of [main, `${main}.js`, path.join(main, "index.js")]) {
    const file = path.resolve(dir, candidate)
    if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file
  }
  throw new Unresolvable(`the package in ${dir} has no entry module (package.json "main" or index.js)`)
}

/** A bare specifier split into the package name and the subpath within it. */
const splitPackage = (spec: string): { name: string; subpath: string } => {
  const parts = spec.split("/")
  const size = spec.startsWith("@") ? 2 : 1
  const rest = parts.slice(size).join("/")
  return { name: parts.slice(0, size).join("/"), subpath: rest === "" ? "." : `./${rest}` }
}

/** The file a package name resolves to from `base`, as `import` would find it. */
const resolvePackage = (spec: string, base: string): string => {
  const require = createRequire(path.join(base, "__skyporter_plugin_loader__.js"))
  try {
    return require.resolve(spec)
  } catch (e) {
    // `require.resolve` does not meet the "import" condition: look for the
    // package folder ourselves and read its exports as an import would.
    const { name, subpath } = splitPackage(spec)
    for (const modules of require.resolve.paths(spec) ?? []) {
      const dir = path.join(modules, name)
      if (statSync(path.join(dir, "package.json"), { throwIfNoEntry: false })?.isFile()) {
        return packageEntry(dir, subpath)
      }
    }
    const code = (e as NodeJS.ErrnoException).code
    if (code !== "MODULE_NOT_FOUND") throw e
    const asPath = statSync(path.resolve(base, spec), { throwIfNoEntry: false }) !== undefined
    throw new Unresolvable(
      `no package "${name}" is installed where ${base} can find it (npm install ${name})` +
        (asPath ? `; to load the file, write ./${spec}` : "")
    )
  }
}

/** The module file a SPEC names, from `base`. */
const resolveSpec = (spec: string, base: string): string => {
  if (spec.trim() === "") throw new Unresolvable("the spec is empty: give a package name or a path")
  if (!isPathSpec(spec)) return resolvePackage(spec, base)
  const target = path.resolve(base, spec)
  const stat = statSync(target, { throwIfNoEntry: false })
  if (stat === undefined) throw new Unresolvable(`there is no file or folder ${target}`)
  return stat.isDirectory() ? packageEntry(target, ".") : target
}

// ---------------------------------------------------------------------------
// Finding the plugin in a module

/** Where a plugin may sit in a module: the default export, `plugin`, or either inside a CommonJS `module.exports`. */
const candidates = (mod: Record<string, unknown>): Array<readonly [string, unknown]> => {
  const out: Array<readonly [string, unknown]> = []
  if (mod.default !== undefined) out.push(["its default export", mod.default])
  if (mod.plugin !== undefined) out.push(["its export `plugin`", mod.plugin])
  const cjs = mod.default
  if (typeof cjs === "object" && cjs !== null) {
    const inner = cjs as Record<string, unknown>
    if (inner.default !== undefined) out.push(["its default export's `default`", inner.default])
    if (inner.plugin !== undefined) out.push(["its default export's `plugin`", inner.plugin])
  }
  return out
}

/** The plugin a loaded module exports (and whether it is the default export), or a message saying what is missing. */
const pluginOf = (mod: Record<string, unknown>): { plugin: AnyPlugin; isDefault: boolean } | string => {
  const found = candidates(mod)
  for (const [where, value] of found) {
    if (Plugin.problems(value).length > 0) continue
    const isDefault = where === "its default export"
    if ((value as { concurrent?: unknown }).concurrent === true && !isDefault) {
      return `${where} declares \`concurrent: true\`, so it must be the module's default export (threads load that)`
    }
    return { plugin: value as AnyPlugin, isDefault }
  }
  if (found.length === 0) {
    const names = Object.keys(mod).sort()
    return (
      `it has no default export and no export named \`plugin\`` +
      (names.length === 0 ? "" : ` (it exports ${names.join(", ")})`)
    )
  }
  const [where, value] = found[0]!
  const p = value as { name?: unknown; version?: unknown; apiVersion?: unknown }
  if (typeof p.apiVersion === "number" && p.apiVersion !== Plugin.API_VERSION) {
    const what =
      typeof p.name === "string" ? `format "${p.name}"${typeof p.version === "string" ? ` ${p.version}` : ""}` : where
    if (p.apiVersion === 1) {
      return (
        `${what} was written for plugin API 1, but this skyporter speaks plugin API ${Plugin.API_VERSION}: ` +
        `install a version of the plugin made for API ${Plugin.API_VERSION}, or port it. ${Plugin.API_1_PORTING}`
      )
    }
    return (
      `${what} was built for plugin API ${p.apiVersion}, but this skyporter speaks plugin API ${Plugin.API_VERSION}; ` +
      `install a version of the plugin made for API ${Plugin.API_VERSION}`
    )
  }
  const named = typeof p.name === "string" ? `${where} (format "${p.name}")` : where
  return `${named} is not a skyporter format plugin: ${Plugin.problems(value).join("; ")}`
}

/** A thrown value's first line, or its whole stack with SKYPORTER_DEBUG=1. */
const reason = (e: unknown): string =>
  process.env.SKYPORTER_DEBUG === "1" && e instanceof Error && e.stack ? e.stack : describe(e).split("\n")[0]!

/** A loaded plugin and the module file it came from, every symbolic link resolved. */
export type Imported = FormatRegistry.Entry & { readonly plugin: AnyPlugin; readonly file: string }

/** Imports the module a SPEC names (from `base`) and takes the plugin it exports. */
export const importPlugin = (
  spec: string,
  base: string,
  origin: string = spec
): Effect.Effect<Imported, InvalidRequest> =>
  Effect.tryPromise({
    try: async () => {
      const file = resolveSpec(spec, base)
      const url = pathToFileURL(file).href
      let mod: Record<string, unknown>
      try {
        mod = await import(url)
      } catch (e) {
        const hint = process.env.SKYPORTER_DEBUG === "1" ? "" : " (SKYPORTER_DEBUG=1 prints the stack)"
        throw new Unresolvable(`importing ${file} failed: ${reason(e)}${hint}`)
      }
      const found = pluginOf(mod)
      if (typeof found === "string") throw new Unresolvable(found)
      return { plugin: found.plugin, origin, module: found.isDefault ? url : undefined, file: realpathSync(file) }
    },
    catch: (e) =>
      new InvalidRequest({
        field: "plugin",
        message: `cannot load plugin ${JSON.stringify(spec)}: ${e instanceof Unresolvable ? e.message : reason(e)}`
      })
  })

// ---------------------------------------------------------------------------
// Loading

/**
 * Loads the config file's plugins and the flags' specs next to the
 * built-ins, checks every option the config file sets against its plugin's
 * schema, and builds the registry (which rejects two plugins with one name).
 * A module file named twice (the config file and a flag, say) is loaded once.
 * Every failure is an InvalidRequest whose message names the spec or file.
 */
export const load = Effect.fn("PluginLoader.load")(function* (request: LoadRequest) {
  const builtins = request.builtins ?? []
  const byPackage = new Map(builtins.map((b) => [b.package, b.plugin]))
  const builtinEntries = new Map(
    builtins.map((b): [string, FormatRegistry.Entry] => [b.package, { plugin: b.plugin, origin: "built-in" }])
  )
  const source = yield* readConfig(request.cwd, request.configFile)
  const loaded: Array<FormatRegistry.Entry> = []
  const files = new Set<string>()
  /** Registers what a spec loaded, unless its module file is loaded already. */
  const add = (imported: Imported): void => {
    if (files.has(imported.file)) return
    files.add(imported.file)
    loaded.push(imported)
  }
  const options = new Map<string, Options>()
  const badOptions: Array<string> = []

  if (source !== undefined) {
    const base = path.dirname(source.file)
    for (const entry of source.config.plugins ?? []) {
      const [spec, given] = typeof entry === "string" ? [entry, undefined] : entry
      let found: FormatRegistry.Entry | undefined = builtinEntries.get(spec)
      if (found === undefined) {
        const imported = yield* importPlugin(spec, base, `${spec} (${source.display})`)
        add(imported)
        found = imported
      }
      if (given === undefined) continue
      const plugin = Plugin.toInternal(found.plugin, found.module)
      if (options.has(plugin.name)) {
        return yield* configError(`${source.display} sets options for format "${plugin.name}" twice`)
      }
      // Every plugin's options are checked, so one run reports every mistake.
      const checked = yield* Effect.result(PluginOptions.decode(plugin, given))
      if (checked._tag === "Failure") badOptions.push(`plugin ${JSON.stringify(spec)}: ${checked.failure.message}`)
      options.set(plugin.name, given)
    }
    if (badOptions.length > 0) return yield* configError(`${source.display}: ${badOptions.join("; ")}`)
  }
  for (const spec of request.specs ?? []) {
    if (!byPackage.has(spec)) add(yield* importPlugin(spec, request.cwd))
  }
  const registry = yield* FormatRegistry.make([
    ...builtins.map((b): FormatRegistry.Entry => ({ plugin: b.plugin, origin: "built-in" })),
    ...loaded
  ])
  return { registry, options, configFile: source?.file } satisfies Loaded as Loaded
})

/** The options for an export of `format`: the config file's, overridden key by key by `overrides` (flags, a request). */
export const optionsFor = (loaded: Loaded, format: string, overrides: Options = {}): Options => ({
  ...loaded.options.get(format),
  ...overrides
})
