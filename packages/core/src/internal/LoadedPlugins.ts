/**
 * Plugins a thread already holds, by the module URL their `concurrent.module`
 * names. An encoding thread (and the check that a plugin's module loads the
 * plugin itself) takes the object held here instead of importing the module.
 *
 * This matters when the code runs from a bundle: the bundle carries its own
 * copy of effect, and importing the plugin's package would load a second copy
 * from node_modules, whose options schema and effects the bundled core
 * cannot run. A frontend that bundles its built-in plugins provides them on
 * every thread it starts, before any export.
 *
 * Loads nothing, so a thread's entry module can provide before it serves.
 */
import { type AnyPlugin, type FormatPlugin, toInternal } from "../FormatPlugin.js"

const held = new Map<string, FormatPlugin>()

/**
 * Holds `plugins`, each under its `concurrent.module`: the caller vouches
 * that the module's default export is this plugin (the same code). Plugins
 * without `concurrent` are ignored: no thread loads them.
 */
export const provide = (...plugins: ReadonlyArray<AnyPlugin>): void => {
  for (const plugin of plugins.map((p) => toInternal(p))) {
    if (plugin.concurrent !== undefined) held.set(plugin.concurrent.module, plugin)
  }
}

/** The plugin held for `module`, if any. */
export const get = (module: string): FormatPlugin | undefined => held.get(module)
