import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Golden vectors and the plugin conformance suite run on every supported Node line.
  // The conformance suite with other options is a long file, and in this suite too.
  compat: [
    "test/CsvPlugin.test.ts",
    "test/Columns.test.ts",
    "test/conformance.test.ts",
    "test/conformance.long.test.ts"
  ],
  compatExclude: []
})
