import { Cause, Exit } from "effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as FormatPlugin from "../dist/FormatPlugin.js"
import * as LoadedPlugins from "../dist/internal/LoadedPlugins.js"
import type * as Progress from "../dist/Progress.js"
import * as Prewarm from "../dist/internal/Prewarm.js"
import concurrentLines from "./concurrent-lines.mjs"
import { archive, collect, posts, tempDir } from "./helpers.js"
import { marked } from "./marked-lines.mjs"

const MODULE = new URL("./concurrent-lines.mjs", import.meta.url).href

const text = async (file: string, request: Record<string, unknown>, plugin: typeof concurrentLines) => {
  const exit = await collect(file, { format: "clines", out: path.join(tempDir(), "out"), ...request }, plugin)
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
  const last = exit.value.at(-1) as Progress.ExportEvent
  if (last._tag !== "Completed") throw new Error(`ended with ${last._tag}`)
  return readFileSync(path.join(last.path, "posts.txt"), "utf8")
}

/** The lines of `output` that start with `mark`, and `output` with every mark removed. */
const split = (output: string, mark: string) => ({
  marked: output.split("\n").filter((line) => line.startsWith(mark)).length,
  plain: output.replace(new RegExp(`^${mark}`, "gm"), "")
})

afterEach(() => {
  Prewarm.useScript(Prewarm.WORKER_URL)
  Prewarm.stopWaiting()
})

describe("LoadedPlugins", () => {
  it("holds a plugin under its concurrent.module, and nothing for a plugin without one", () => {
    const held = marked("a ")
    const sequential = { ...concurrentLines, name: "sequential", concurrent: undefined }
    LoadedPlugins.provide(held, sequential)
    // Held in the engine's form, made once per plugin object.
    expect(LoadedPlugins.get(MODULE)).toBe(FormatPlugin.toInternal(held))
    expect(LoadedPlugins.get("file:///nowhere.mjs")).toBeUndefined()
    // A later plugin for the same module replaces the first.
    const again = marked("b ")
    LoadedPlugins.provide(again)
    expect(LoadedPlugins.get(MODULE)).toBe(FormatPlugin.toInternal(again))
  })

  it("reader threads encode with the plugin their entry module provides; this thread with the export's own", async () => {
    const file = archive(posts(3_000))
    const reference = await text(file, { batchSize: 100 }, { ...concurrentLines, concurrent: undefined })
    // Threads started from this entry hold a copy that marks its lines "held ".
    Prewarm.useScript(new URL("./held-entry.mjs", import.meta.url))
    const mine = marked("mine ")
    const result = await text(file, { threads: 2, chunkPosts: 500, batchSize: 100 }, mine)
    const held = split(result, "held ")
    const own = split(held.plain, "mine ")
    expect(held.marked, "lines the reader thread encoded").toBeGreaterThan(0)
    expect(own.marked, "lines this thread encoded").toBeGreaterThan(0)
    expect(held.marked + own.marked).toBe(3_000)
    expect(own.plain).toBe(reference)
  }, 60_000)

  it("a thread started from the core's own entry imports the plugin's module", async () => {
    const file = archive(posts(800))
    const reference = await text(file, { batchSize: 100 }, { ...concurrentLines, concurrent: undefined })
    // One thread: a reader alone, which holds nothing and imports MODULE (unmarked lines).
    const result = await text(file, { threads: 1, batchSize: 100 }, marked("mine "))
    expect(result).toBe(reference)
  }, 60_000)
})
