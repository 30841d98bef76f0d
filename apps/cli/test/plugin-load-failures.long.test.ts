/**
 * Every way loading a plugin can fail, through the real CLI: each exits 2 with one line naming
 * what is wrong and the help hint, and writes nothing. A CLI start of the installed modules each;
 * plugins.test.ts keeps a few in the loop, and @skyporter/core's PluginLoader tests check every
 * message in-process.
 */
import { describe, it } from "vitest"
import { expectLoadingFailure, FAILURES, pluginProject } from "./plugin-project.js"

const project = pluginProject()

describe("loading failures exit 2 with a message, and write nothing", () => {
  it.each(FAILURES.filter((f) => !f.loop))("$name", (failure) => expectLoadingFailure(project, failure), 60_000)
})
