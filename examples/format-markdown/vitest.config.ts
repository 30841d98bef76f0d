import { defineConfig } from "vitest/config"

// Inside the skyporter repository, `npm run test:long` runs only *.long.test.ts files: this
// example has none, so it passes with none there. Copied elsewhere, the variable is unset.
const long = process.env.SKYPORTER_TEST_SUITE === "long"

export default defineConfig({
  test: {
    include: [long ? "test/**/*.long.test.ts" : "test/**/*.test.ts"],
    passWithNoTests: long,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
