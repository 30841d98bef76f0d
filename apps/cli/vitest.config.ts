import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // The CLI suite runs on every supported Node line, its long files too but for the slowest
  // fault proofs (kills, database faults, a live writer, giant posts, an outside install).
  compat: ["test/**/*.test.ts"],
  compatExclude: [
    "test/faults/kill.long.test.ts",
    "test/faults/database-faults.long.test.ts",
    "test/faults/live-writer.long.test.ts",
    "test/faults/giant-posts.long.test.ts",
    "test/outside-install.long.test.ts"
  ],
  test: {
    // Two files at a time: a file mostly waits on the CLI subprocesses it starts, and
    // scripts/test-suite.sh runs this package beside the server's only.
    maxWorkers: 2
  }
})
