/**
 * The launcher's other formats and flag spellings (json and --plugin PATH:
 * launcher.test.ts): each export runs from the bundle and writes what the
 * installed modules write, and each way of naming plugins or a config file
 * runs the installed modules.
 */
import { describe } from "vitest"
import { bundledLikeInstalled, FLAGS, installedWith, useLauncherRuns } from "./launcher-runs.js"

useLauncherRuns()

describe("the launcher", () => {
  bundledLikeInstalled(["csv", "ndjson"])
  installedWith(FLAGS.slice(1))
})
