import Database from "better-sqlite3"
import { Effect, Stream } from "effect"
import { readFileSync, renameSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { MessageChannel } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import * as BatchSource from "../dist/BatchSource.js"
import * as DateRange from "../dist/DateRange.js"
import * as EncodingThread from "../dist/internal/EncodingThread.js"
import * as ParallelEncoder from "../dist/internal/ParallelEncoder.js"
import type { FromWorker } from "../dist/internal/ThreadProtocol.js"
import { archive, posts, tempDir } from "./helpers.js"

describe("EncodingThread.run on this thread", () => {
  it("reports a setup that fails after its snapshot opened, and ends that snapshot", async () => {
    const file = archive(posts(20))
    const range = Effect.runSync(DateRange.make({}))
    const init = BatchSource.workerInit(file, { did: "did:plc:test", range })
    // A row query SQLite refuses to prepare: the setup fails once the read transaction is open.
    const broken = { ...init, rowsSql: "SELECT uri FROM nowhere" }
    const { port1, port2 } = new MessageChannel()
    const first = new Promise<FromWorker>((resolve) => port1.once("message", resolve))
    let closed = 0
    const close = EncodingThread.run(broken, port2, undefined, () => closed++)
    const message = await first
    expect(message).toMatchObject({ type: "error", stage: "snapshot" })
    expect(message.type === "error" && message.message).toMatch(/no such table: nowhere/)
    // Nothing holds the archive: a writer takes it at once.
    const writer = new Database(file, { timeout: 0 })
    try {
      writer.exec("BEGIN EXCLUSIVE; ROLLBACK")
    } finally {
      writer.close()
    }
    // Asked to close, it ends as any export does, once.
    const ended = new Promise((resolve) => port1.once("close", resolve))
    port1.postMessage({ type: "close" })
    await ended
    close()
    expect(closed).toBe(1)
  })
})

/** The packages `file` loads before it runs, through its static imports and its modules' (not `import()`). */
const staticPackages = (file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> => {
  if (seen.has(file)) return found
  seen.add(file)
  const text = readFileSync(file, "utf8")
  for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|^import\s+"([^"]+)"/gm)) {
    if (spec === undefined) continue
    if (spec.startsWith(".")) staticPackages(path.resolve(path.dirname(file), spec), seen, found)
    else found.add(spec)
  }
  return found
}

describe("stored records on a thread", () => {
  it("are not read from a file renamed over the archive after the export opened its descriptor", async () => {
    const dir = tempDir()
    const stored = (word: string) => posts(300).map((p, i) => ({ ...p, text: `${word} ${i}` }))
    const file = archive(stored("old"), path.join(dir, "archive.db"))
    const replacement = archive(stored("new"), path.join(dir, "replacement.db"))
    const range = Effect.runSync(DateRange.make({}))
    let readings = 0
    const text = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const encoding = yield* ParallelEncoder.open(
            file,
            { did: "did:plc:test", range },
            { module: new URL("./record-lines.mjs", import.meta.url).href, name: "rlines", options: {} },
            {
              threads: 1,
              batchSize: 100,
              // Read once the descriptor is open, before the snapshot is taken: the archive is replaced then.
              version: () => (readings++ === 0 && renameSync(replacement, file), 0)
            }
          )
          // Each chunk's bytes are read before the next pull: its buffer is then filled again.
          let out = ""
          yield* Stream.runForEach(encoding.encode(), (c) => Effect.sync(() => (out += Buffer.from(c.bytes))))
          return out
        })
      )
    )
    expect(readings).toBeGreaterThan(0)
    // The snapshot is of the replacement: every post as it stores it.
    expect(text.split("\n").filter((l) => l !== "")).toEqual(stored("new").map((p, i) => `${i} ${p.uri} ${p.text}`))
  })
})

describe("a reader thread's modules", () => {
  it("load neither effect nor the plugin contract until the thread is asked to encode", () => {
    const entry = fileURLToPath(new URL("../dist/internal/ThreadEntry.js", import.meta.url))
    const loaded = [...staticPackages(entry)]
    expect(loaded).toContain("better-sqlite3")
    expect(
      loaded.filter((spec) => spec === "effect" || spec.startsWith("effect/") || spec.startsWith("@skyporter/"))
    ).toEqual([])
  })
})
