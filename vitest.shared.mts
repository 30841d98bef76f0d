// The test suites every package's vitest config shares. SKYPORTER_TEST_SUITE picks one:
// - unset or "default": test/**/*.test.ts except *.long.test.ts (`npm test`, the development loop);
// - "long": test/**/*.long.test.ts (`npm run test:long`), proofs too slow for the loop;
// - "compat": the files a package lists as its compatibility suite (`npm run test:compat`),
//   run by CI on the machine's Node and on Node 26 besides the whole suite on Node 24.
// A package with nothing in the chosen suite passes with no tests (its report says 0).
import { configDefaults, defineConfig } from "vitest/config"
import type { ViteUserConfig } from "vitest/config"

export const SUITES = ["default", "long", "compat"] as const
export type Suite = (typeof SUITES)[number]

const LONG = "test/**/*.long.test.ts"

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
      ...options.test,
      include,
      exclude: suite === "long" ? [...configDefaults.exclude] : [...configDefaults.exclude, LONG],
      passWithNoTests: suite !== "default"
    }
  })
}
