import { Cause, Effect, Exit, Fiber, Schema, Stream } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { hostname } from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import type { ExportFailed } from "../dist/Errors.js"
import * as Export from "../dist/Export.js"
import * as FormatPlugin from "../dist/FormatPlugin.js"
import * as FormatRegistry from "../dist/FormatRegistry.js"
import * as Prewarm from "../dist/internal/Prewarm.js"
import type * as Progress from "../dist/Progress.js"
import { archive, collect, layer, lines, posts, probeThreadId, tempDir } from "./helpers.js"

const published = (out: string, did = "did:plc:test") =>
  existsSync(path.join(out, did)) ? readdirSync(path.join(out, did)) : []

describe("Export.run", () => {
  it("streams Started, one BatchWritten per batch after its bytes, then Completed with a verifiable manifest", async () => {
    const file = archive(posts(2500))
    const out = tempDir()
    const exit = await collect(file, { out, since: "2024-01-01" })
    expect(Exit.isSuccess(exit)).toBe(true)
    const events = Exit.isSuccess(exit) ? exit.value : []
    expect(events.map((e) => e._tag)).toEqual(["Started", "BatchWritten", "BatchWritten", "BatchWritten", "Completed"])
    expect(events[0]!.snapshot).toMatchObject({ posts_total: 2500, posts_processed: 0, status: "running" })
    expect(events.slice(1, 4).map((e) => e.snapshot.posts_processed)).toEqual([1000, 2000, 2500])
    const done = events[4] as Progress.Completed
    expect(done.snapshot).toMatchObject({ status: "completed", posts_processed: 2500, error: null })
    expect(path.basename(done.path)).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/)
    expect(published(out)).toEqual([path.basename(done.path)])

    const manifest = JSON.parse(readFileSync(path.join(done.path, "manifest.json"), "utf8"))
    expect(manifest).toEqual(done.manifest)
    expect(manifest).toMatchObject({
      export_format: "lines",
      plugin: { name: "lines", version: "1.0.0" },
      skyporter_version: Export.VERSION,
      did: "did:plc:test",
      date_range: { since: "2024-01-01", until: null },
      post_count: 2500,
      media_count: 0,
      warnings: { count: 0, messages: [] }
    })
    const data = readFileSync(path.join(done.path, "posts.txt"))
    expect(manifest.files).toEqual([
      { path: "posts.txt", bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") }
    ])
    expect(data.toString().split("\n").slice(1, -2)).toHaveLength(2500)
  })

  it.each([
    [1_000, 0],
    [1_001, 1]
  ])(
    "reads %i posts for a format that is not concurrent on %i reader thread(s): a batch is read on this thread",
    async (count, readers) => {
      const file = archive(posts(count))
      Prewarm.stopWaiting()
      const before = await probeThreadId()
      const exit = await collect(file, { out: tempDir() })
      const after = await probeThreadId()
      expect(after - before - 1).toBe(readers)
      const done = (Exit.isSuccess(exit) ? exit.value : []).at(-1) as Progress.Completed
      expect(done._tag).toBe("Completed")
      const data = readFileSync(path.join(done.path, "posts.txt"), "utf8")
      expect(data.split("\n").slice(1, -2).sort()).toEqual(
        posts(count)
          .map((p) => p.uri)
          .sort()
      )
    }
  )

  it("reports a batch only once its bytes are in the file", async () => {
    const file = archive(posts(30))
    const out = tempDir()
    const seen: Array<number> = []
    await Effect.runPromise(
      Stream.runForEach(Export.run({ did: "did:plc:test", format: "lines", out, batchSize: 10 }), (e) =>
        Effect.sync(() => {
          if (e._tag !== "BatchWritten") return
          const dir = path.join(out, "did:plc:test")
          const temp = readdirSync(dir).find((n) => n.startsWith(".skyporter-tmp-"))!
          const text = readFileSync(path.join(dir, temp, "posts.txt"), "utf8")
          // The producer may already be further along, never behind.
          expect(text.split("\n").length - 2).toBeGreaterThanOrEqual(e.snapshot.posts_processed)
          seen.push(e.snapshot.posts_processed)
        })
      ).pipe(Effect.provide(layer(file)))
    )
    expect(seen).toEqual([10, 20, 30])
  })

  it("succeeds with the format's empty form when nothing matches", async () => {
    const out = tempDir()
    const exit = await collect(archive(posts(5)), { out, did: "did:plc:nobody" })
    const done = Exit.isSuccess(exit) ? (exit.value.at(-1) as Progress.Completed) : undefined
    expect(done?.manifest.post_count).toBe(0)
    expect(readFileSync(path.join(done!.path, "posts.txt"), "utf8")).toBe("begin\nend\n")
  })

  it("publishes nothing and removes its temporary directory when batch 3 fails", async () => {
    const out = tempDir()
    const exit = await collect(archive(posts(50)), { out, batchSize: 10 }, lines({ failAt: 3 }))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as ExportFailed) : undefined
    expect(error).toMatchObject({ _tag: "ExportFailed", stage: "encode", batch: 3 })
    expect(error?.message).toMatch(/failed on batch 3: injected failure/)
    expect(published(out)).toEqual([])
  })

  it("emits Failed with the stage and batch before failing", async () => {
    const out = tempDir()
    const events: Array<Progress.ExportEvent> = []
    const exit = await Effect.runPromise(
      Effect.exit(
        Stream.runForEach(Export.run({ did: "did:plc:test", format: "lines", out, batchSize: 10 }), (e) =>
          Effect.sync(() => events.push(e))
        ).pipe(Effect.provide(layer(archive(posts(50)), lines({ failAt: 3 }))))
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(events.at(-1)).toMatchObject({
      _tag: "Failed",
      snapshot: { status: "failed", posts_processed: 20, error: { stage: "encode", batch: 3 } }
    })
  })

  it("cleans up when interrupted mid-export", async () => {
    const out = tempDir()
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Stream.runForEach(
          Export.run({ did: "did:plc:test", format: "lines", out, batchSize: 10 }),
          () => Effect.void
        ).pipe(Effect.forkChild)
        // Wait until the export is writing into its temporary directory.
        while (!published(out).some((n) => n.startsWith(".skyporter-tmp-"))) yield* Effect.sleep(5)
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(layer(archive(posts(100)), lines({ delayMillis: 20 }))))
    )
    expect(published(out)).toEqual([])
  })

  it("repeats the snapshot in heartbeats while a batch takes long", async () => {
    const out = tempDir()
    const exit = await collect(
      archive(posts(20)),
      { out, batchSize: 10, heartbeatMillis: 20 },
      lines({ delayMillis: 200 })
    )
    const events = Exit.isSuccess(exit) ? exit.value : []
    const heartbeats = events.filter((e) => e._tag === "Heartbeat")
    expect(heartbeats.length).toBeGreaterThan(0)
    expect(heartbeats[0]!.snapshot).toMatchObject({ status: "running", posts_total: 20 })
  })

  it("sweeps temporary directories of dead processes, never a live one's or another host's", async () => {
    const out = tempDir()
    const host = hostname()
      .replace(/[^A-Za-z0-9.-]/g, "-")
      .slice(0, 32)
    const dir = path.join(out, "did:plc:other")
    const dead = `.skyporter-tmp-${host}-999999999-0-deadbeef`
    const live = `.skyporter-tmp-${host}-${process.pid}-0-0badf00d`
    const remote = `.skyporter-tmp-elsewhere-999999999-0-deadbeef`
    for (const name of [dead, live, remote, "2024-01-01_00-00-00"]) mkdirSync(path.join(dir, name), { recursive: true })
    const exit = await collect(archive(posts(1)), { out })
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(readdirSync(dir).sort()).toEqual([live, remote, "2024-01-01_00-00-00"].sort())
  })

  it.each([
    [{ did: "alice" }, "did"],
    [{ did: "did:plc:../x" }, "did"],
    [{ format: "xml" }, "format"],
    [{ since: "2024-02-30" }, "since"],
    [{ since: "2024-03-02", until: "2024-03-01" }, "until"],
    [{ options: { prefix: 1 } }, "options"],
    [{ options: { colour: "blue" } }, "options"]
  ])("rejects %j before touching the disk", async (override, field) => {
    const out = path.join(tempDir(), "never")
    const exit = await collect(archive(posts(1)), { out, ...override })
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(error).toMatchObject({ _tag: "InvalidRequest", field })
    expect(existsSync(out)).toBe(false)
  })

  it("names the available formats for an unknown one", async () => {
    const exit = await collect(archive(posts(1)), { out: tempDir(), format: "xml" })
    const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined
    expect(error?.message).toBe(`unknown format "xml"; available formats: lines`)
  })
})

describe("plugin options", () => {
  it("rejects unknown keys even for a plugin that takes no options", async () => {
    const bare = FormatPlugin.define({ ...lines(), name: "bare", options: Schema.Struct({}) })
    const exit = await Effect.runPromise(
      Effect.exit(
        Export.prepare({
          did: "did:plc:test",
          format: "bare",
          out: tempDir(),
          options: { colour: "blue" }
        }).pipe(Effect.provide(FormatRegistry.FormatRegistry.layer([{ plugin: bare, origin: "test" }])))
      )
    )
    const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined
    expect(error?.message).toBe(`unknown option colour for format "bare" (it takes no options)`)
  })
})
