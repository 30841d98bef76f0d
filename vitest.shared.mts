// The test suites every package's vitest config shares. SKYPORTER_TEST_SUITE picks one:
// - unset or "default": test/**/*.test.ts except *.long.test.ts (`npm test`, the development loop);
// - "long": test/**/*.long.test.ts (`npm run test:long`, run by CI too): heavyweight proofs
//   (matrices of CLI runs, signals in every phase, faults, 100,000-post pages) kept out of the
//   loop; docs/development.md lists them and what the loop keeps;
// - "compat": the files a package lists as its compatibility suite (`npm run test:compat`),
//   run by CI on the machine's Node and on Node 26 besides the whole suite on Node 24.
// A package with nothing in the chosen suite passes with no tests (its report says 0).
import * as nodeModule from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { configDefaults, defineConfig } from "vitest/config"
import type { ViteUserConfig } from "vitest/config"

const ROOT = path.dirname(fileURLToPath(import.meta.url))

// Node 22.1 and later keep the compiled code of the modules they load in NODE_COMPILE_CACHE.
// Set before vitest starts its workers, it reaches them and everything they start: each CLI or
// server subprocess and reader thread loads effect's modules compiled once, not per process.
// Inside node_modules (the checkout's owner's), not a shared temporary folder. Node 20 ignores it.
if (process.env.NODE_COMPILE_CACHE === undefined && "enableCompileCache" in nodeModule) {
  process.env.NODE_COMPILE_CACHE = path.join(ROOT, "node_modules", ".cache", "skyporter-compile-cache")
}

export const SUITES = ["default", "long", "compat"] as const
export type Suite = (typeof SUITES)[number]

const LONG = "test/**/*.long.test.ts"
// The workspace's built packages (each package's dist/, as its package.json exports it), reached
// through their node_modules links. Vite would transform and evaluate them as it does the tests'
// own TypeScript; Node loads them as it loads effect, compiled once through NODE_COMPILE_CACHE.
const BUILT_PACKAGES = new RegExp(
  `^${ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(?:packages|apps|examples)/[^/]+/dist/`
)
const TEMP_DIR_SETUP = fileURLToPath(new URL("./testing/tempDir.setup.mts", import.meta.url))

const chosen = (): Suite => {
  const value = process.env.SKYPORTER_TEST_SUITE || "default"
  if (!(SUITES as ReadonlyArray<string>).includes(value)) {
    throw new Error(`SKYPORTER_TEST_SUITE=${value}: expected one of ${SUITES.join(", ")}`)
  }
  return value as Suite
}

type TestOptions = NonNullable<ViteUserConfig["test"]>

export interface SuiteOptions {
  /** Files (globs relative to the package) in the compatibility suite; none when omitted. */
  readonly compat?: ReadonlyArray<string>
  /** Files (globs) `compat` matches but leaves out; the long files when omitted. */
  readonly compatExclude?: ReadonlyArray<string>
  /** Anything else for `test` (timeouts, fileParallelism, ...). */
  readonly test?: TestOptions
}

export const suiteConfig = (options: SuiteOptions = {}) => {
  const suite = chosen()
  const include = suite === "long" ? [LONG] : suite === "compat" ? [...(options.compat ?? [])] : ["test/**/*.test.ts"]
  return defineConfig({
    test: {
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // A worker runs its files one after another in one module graph: effect, the core and
      // better-sqlite3 load once per worker, not once per file. No test file keeps state in a
      // module another imports (no mocks, no changed globals): each makes its own folders, and a
      // support module that needs folders or hooks registers them when a file calls it, never
      // when it is first imported (apps/cli/test/launcher-runs.ts: `useLauncherRuns`).
      isolate: false,
      ...options.test,
      // Removes, after each file, the temporary folders it made outside its tests (testing/tempDir.mts).
      setupFiles: [TEMP_DIR_SETUP, ...[options.test?.setupFiles ?? []].flat()],
      include,
      exclude: [
        ...configDefaults.exclude,
        ...(suite === "long" ? [] : suite === "compat" ? (options.compatExclude ?? [LONG]) : [LONG])
      ],
      passWithNoTests: suite !== "default",
      server: {
        ...options.test?.server,
        deps: {
          ...options.test?.server?.deps,
          external: [BUILT_PACKAGES, ...(options.test?.server?.deps?.external ?? [])]
        }
      }
    }
  })
}
