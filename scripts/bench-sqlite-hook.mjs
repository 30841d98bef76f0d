// Loaded with --import by the benchmark on a Node line whose ABI the installed
// better-sqlite3 was not built for (bench-lines.mjs): resolves the package to
// the copy built for this line, named by SKYPORTER_BENCH_SQLITE.
import * as module from "node:module"

const target = process.env.SKYPORTER_BENCH_SQLITE
if (target === undefined) throw new Error("bench-sqlite-hook: SKYPORTER_BENCH_SQLITE is not set")
if (typeof module.registerHooks === "function") {
  module.registerHooks({
    resolve: (specifier, context, next) =>
      specifier === "better-sqlite3"
        ? { url: target, format: "commonjs", shortCircuit: true }
        : next(specifier, context)
  })
} else {
  const code =
    `export async function resolve(s, c, next) { return s === "better-sqlite3" ? ` +
    `{ url: ${JSON.stringify(target)}, format: "commonjs", shortCircuit: true } : next(s, c) }`
  module.register(`data:text/javascript,${encodeURIComponent(code)}`)
}
