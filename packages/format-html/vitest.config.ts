import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig({
  // The page's bytes and the plugin conformance suite run on every supported Node line; the
  // browser tests (Chromium, the same on every line) run on the development line only.
  compat: [
    "test/conformance.test.ts",
    // With a title: a long file, and in this suite too.
    "test/conformance.long.test.ts",
    "test/Page.test.ts",
    "test/Entry.test.ts",
    "test/Escape.test.ts",
    "test/Linkify.test.ts",
    "test/MediaName.test.ts"
  ],
  compatExclude: []
})
