import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // The CLI suite runs on every supported Node line.
  compat: ["test/**/*.test.ts"],
  test: {
    // Two files at a time: turbo reaches this package last (its build waits for every other
    // package's), so it mostly runs alone, and one worker (vitest's default on two cores)
    // would leave a core idle.
    maxWorkers: 2
  }
})
