import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two files at a time: a server test mostly waits (for exports, the slow test plugin,
    // Chromium), and each file has its own servers on free ports and its own folders.
    maxWorkers: 2
  }
})
