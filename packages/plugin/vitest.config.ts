import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Every file, on every supported Node line: they take seconds.
  compat: ["test/**/*.test.ts"]
})
