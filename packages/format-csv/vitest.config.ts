import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Golden vectors and the plugin conformance suite run on every supported Node line.
  compat: ["test/CsvPlugin.test.ts", "test/Columns.test.ts", "test/conformance.test.ts"]
})
