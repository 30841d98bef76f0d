/**
 * Whether an export can be encoded on several threads, and the reading that
 * proves the threads share one snapshot.
 */
import * as Effect from "effect/Effect"
import type { Archive } from "../Archive.js"
import type { FormatPlugin } from "../FormatPlugin.js"
import * as LoadedPlugins from "./LoadedPlugins.js"

/**
 * `PRAGMA data_version` without waiting: with a writer mid-commit the
 * reading fails at once (never equal, so the export keeps one thread)
 * rather than waiting out the busy timeout.
 */
export const dataVersion = (db: Archive["Service"]["database"]): unknown => {
  const timeout = db.pragma("busy_timeout", { simple: true })
  try {
    db.pragma("busy_timeout = 0")
    return db.pragma("data_version", { simple: true })
  } catch {
    return Symbol("unreadable")
  } finally {
    db.pragma(`busy_timeout = ${Number(timeout)}`)
  }
}

/** Options reach worker threads by structured clone; anything else keeps the export on this thread. */
export const cloneable = (value: unknown): boolean => {
  try {
    structuredClone(value)
    return true
  } catch {
    return false
  }
}

/**
 * Whether `module`'s default export is this plugin (same name and version). A
 * plugin that spreads another one into a new name (a wrapper adding
 * behaviour) keeps its `concurrent` field by accident: a thread would load
 * the plugin it wraps, so such a plugin encodes on this thread instead. A
 * plugin held for its module (LoadedPlugins) is the one threads use, with
 * nothing to import.
 */
export const loadsItself = (module: string, plugin: FormatPlugin): Effect.Effect<boolean> =>
  LoadedPlugins.get(module) === plugin
    ? Effect.succeed(true)
    : Effect.promise(() =>
        import(module).then(
          (loaded: { default?: Partial<FormatPlugin> }) =>
            loaded.default?.name === plugin.name && loaded.default?.version === plugin.version,
          () => false
        )
      )
