/**
 * The format plugins the CLI ships with. Kept apart from Formats.ts so that
 * a reader thread (ReaderThread.ts) loads the plugins and nothing else.
 */
import * as Threads from "@skyporter/core/Threads"
import type { Builtin } from "@skyporter/core/PluginLoader"
import csv from "@skyporter/format-csv"
import html from "@skyporter/format-html"
import json from "@skyporter/format-json"
import ndjson from "@skyporter/format-ndjson"

/** Always available; a config entry naming one of these packages only sets its options. */
export const builtins: ReadonlyArray<Builtin> = [
  { plugin: json, package: "@skyporter/format-json" },
  { plugin: csv, package: "@skyporter/format-csv" },
  { plugin: ndjson, package: "@skyporter/format-ndjson" },
  { plugin: html, package: "@skyporter/format-html" }
]

/**
 * Lets this thread's encoders use the built-ins as loaded here rather than
 * import their packages: from the bundle, an import would bring a second
 * copy of effect (see Threads in @skyporter/core).
 */
export const provide = (): void => Threads.provide(...builtins.map((b) => b.plugin))
