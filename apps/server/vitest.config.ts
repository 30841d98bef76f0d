import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file starts its own server subprocesses; two cores are shared.
    fileParallelism: false
  }
})
