import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // Golden vectors and the proof that the plugin conformance suite catches broken plugins (a long
  // file: a child vitest of three suites) run on every supported Node line.
  compat: ["test/Sink.test.ts", "test/Conformance.long.test.ts"],
  compatExclude: []
})
