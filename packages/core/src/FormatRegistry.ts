/**
 * The formats an export can use. The core imports no plugin: frontends
 * register the built-in ones (and any loaded by the user) in this registry.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InvalidRequest } from "./Errors.js"
import type { AnyPlugin, FormatPlugin } from "./FormatPlugin.js"
import * as Plugin from "./FormatPlugin.js"

export interface Registered {
  readonly plugin: FormatPlugin
  /** Where it came from: "built-in", a package name or a path. */
  readonly origin: string
}

/** A plugin to register: as written (API 2) or already in the engine's form. */
export interface Entry {
  readonly plugin: AnyPlugin
  readonly origin: string
  /** The URL of the module it was loaded from (where threads load a `concurrent: true` plugin). */
  readonly module?: string | undefined
}

export interface FormatRegistryShape {
  readonly formats: ReadonlyArray<Registered>
  /**
   * The registered name `name` stands for: itself, or the one name equal to
   * it ignoring case (`CSV` is `csv`); `name` itself when there is none.
   */
  readonly nameOf: (name: string) => string
  /** The plugin `name` stands for (see `nameOf`); InvalidRequest naming the available formats otherwise. */
  readonly get: (name: string) => Effect.Effect<FormatPlugin, InvalidRequest>
}

/**
 * Builds a registry, each plugin turned into the engine's form; fails when an
 * entry is not a plugin or two share a name.
 */
export const make = (entries: ReadonlyArray<Entry>): Effect.Effect<FormatRegistryShape, InvalidRequest> =>
  Effect.gen(function* () {
    const byName = new Map<string, Registered>()
    for (const entry of entries) {
      const problems = Plugin.problems(entry.plugin)
      if (problems.length > 0) {
        return yield* new InvalidRequest({
          field: "plugin",
          message: `${entry.origin} is not a skyporter format plugin: ${problems.join("; ")}`
        })
      }
      const plugin = Plugin.toInternal(entry.plugin, entry.module)
      const clash = byName.get(plugin.name)
      if (clash) {
        return yield* new InvalidRequest({
          field: "plugin",
          message: `two plugins are named "${plugin.name}": ${clash.origin} and ${entry.origin}`
        })
      }
      byName.set(plugin.name, { plugin, origin: entry.origin })
    }
    const formats = [...byName.values()]
    const names = () => formats.map((f) => f.plugin.name).join(", ") || "(none)"
    const nameOf = (name: string): string => {
      if (byName.has(name)) return name
      // Two plugins may differ only in case ("md" and "MD"): then only the exact name picks one.
      const matches = formats.filter((f) => f.plugin.name.toLowerCase() === name.toLowerCase())
      return matches.length === 1 ? matches[0]!.plugin.name : name
    }
    return {
      formats,
      nameOf,
      get: (name: string) => {
        const found = byName.get(nameOf(name))
        return found
          ? Effect.succeed(found.plugin)
          : Effect.fail(
              new InvalidRequest({
                field: "format",
                message: `unknown format ${JSON.stringify(name)}; available formats: ${names()}`
              })
            )
      }
    }
  })

export class FormatRegistry extends Context.Service<FormatRegistry, FormatRegistryShape>()(
  "@skyporter/core/FormatRegistry"
) {
  static readonly layer = (entries: ReadonlyArray<Entry>): Layer.Layer<FormatRegistry, InvalidRequest> =>
    Layer.effect(FormatRegistry, make(entries))
}
