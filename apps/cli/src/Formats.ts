/**
 * The formats the CLI offers: the built-in plugins plus any the user loads
 * with `--plugin SPEC` (a package name resolvable from the working directory,
 * or a path to a module whose default export is a plugin).
 */
import { FormatRegistry, InvalidRequest } from "@skyporter/core"
import csv from "@skyporter/format-csv"
import json from "@skyporter/format-json"
import { Effect } from "effect"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

export const builtins: ReadonlyArray<FormatRegistry.Registered> = [
  { plugin: json, origin: "built-in" },
  { plugin: csv, origin: "built-in" }
]

const isPath = (spec: string) => spec.startsWith(".") || path.isAbsolute(spec)

/** Imports the module a plugin SPEC names and takes its default export. */
export const load = (spec: string, cwd = process.cwd()): Effect.Effect<FormatRegistry.Registered, InvalidRequest> =>
  Effect.tryPromise({
    try: async () => {
      const resolved = isPath(spec)
        ? path.resolve(cwd, spec)
        : createRequire(path.join(cwd, "package.json")).resolve(spec)
      const mod = await import(pathToFileURL(resolved).href) as { default?: unknown }
      return { plugin: (mod.default ?? mod) as FormatRegistry.Registered["plugin"], origin: spec }
    },
    catch: (e) =>
      new InvalidRequest({
        field: "plugin",
        message: `cannot load plugin ${JSON.stringify(spec)}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`
      })
  })

/** The registry of built-ins plus the plugins named by `specs`. */
export const registry = (specs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const loaded = yield* Effect.forEach(specs, (spec) => load(spec))
    return yield* FormatRegistry.make([...builtins, ...loaded])
  })
