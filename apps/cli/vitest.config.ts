import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // The CLI suite runs on every supported Node line.
  compat: ["test/**/*.test.ts"],
  test: {
    // Two files at a time: a file mostly waits on the CLI subprocesses it starts, and
    // scripts/test-suite.sh runs this package beside the server's only.
    maxWorkers: 2
  }
})
