/**
 * Whether an export can be encoded on several threads, or is small enough to
 * read on this one, and the reading that proves the threads share one snapshot.
 */
import * as Effect from "effect/Effect"
import type { Archive } from "../Archive.js"
import * as BatchSource from "../BatchSource.js"
import type { FormatPlugin } from "../FormatPlugin.js"
import * as LockWait from "../LockWait.js"
import * as LoadedPlugins from "./LoadedPlugins.js"

/**
 * Runs `read` on `db` without waiting out the busy timeout: with a writer
 * mid-commit it fails at once.
 */
const withoutWaiting = <A>(db: Archive["Service"]["database"], read: () => A): A =>
  LockWait.withBusyTimeout(db, 0, read)

/**
 * `PRAGMA data_version` without waiting: with a writer mid-commit the
 * reading fails at once (never equal, so the export keeps one thread)
 * rather than waiting out the busy timeout.
 */
export const dataVersion = (db: Archive["Service"]["database"]): unknown => {
  try {
    return withoutWaiting(db, () => db.pragma("data_version", { simple: true }))
  } catch {
    return Symbol("unreadable")
  }
}

/**
 * Whether `selection` holds at most `n` posts now, counting no further than
 * `n + 1`: a hint only (the snapshot counts again), so an archive a writer
 * holds answers no, without waiting.
 */
export const holdsAtMost = (
  db: Archive["Service"]["database"],
  selection: BatchSource.Selection,
  n: number
): boolean => {
  const { sql, params } = BatchSource.where(selection)
  try {
    const count = withoutWaiting(db, () =>
      db
        .prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM posts WHERE ${sql} LIMIT @limit)`)
        .pluck()
        .get({ ...params, limit: n + 1 })
    )
    return Number(count) <= n
  } catch {
    return false
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
