import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Every file, on every supported Node line, the long one too: they take seconds.
  compat: ["test/**/*.test.ts"],
  compatExclude: []
})
