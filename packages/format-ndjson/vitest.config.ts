import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Golden vectors and the plugin conformance suite run on every supported Node line.
  compat: ["test/NdjsonFormat.test.ts", "test/conformance.test.ts"]
})
