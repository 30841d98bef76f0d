import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // The CLI suite runs on every supported Node line.
  compat: ["test/**/*.test.ts"]
})
