/**
 * Helpers for the job manager tests: a real seeded archive in a temporary
 * folder, the JSON plugin plus a slow variant, and a manager built on them.
 */
import { Archive, FormatPlugin, FormatRegistry } from "@skyporter/core"
import json from "@skyporter/format-json"
import { Synthetic } from "@skyporter/testkit"
import { Effect, Layer, type Scope, Stream } from "effect"
import { existsSync, mkdtempSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { beforeAll } from "vitest"
import { JobManager } from "../src/index.js"
import { tempDir } from "../../../testing/tempDir.mts"

export const DID_A = "did:plc:jobstestaaaaaaaaaaaaaaaa"
export const DID_B = "did:plc:jobstestbbbbbbbbbbbbbbbb"
export const DID_C = "did:plc:jobstestcccccccccccccccc"

/**
 * JSON under another name, sleeping `delayMs` before each batch and `endDelayMs` before its end:
 * an export that takes a while and can be caught running, even after its posts (one batch).
 */
export const slow = (delayMs: number, name = "slowjson", endDelayMs = 0): FormatPlugin.FormatPlugin => {
  const engine = FormatPlugin.toInternal(json)
  return {
    ...engine,
    name,
    description: "json, slowly (tests only)",
    concurrent: undefined,
    make: (options, context) =>
      Effect.map(engine.make(options, context), (sink) => ({
        ...sink,
        write: (batch, position) => Effect.andThen(Effect.sleep(delayMs), sink.write(batch, position)),
        end: Effect.andThen(Effect.sleep(endDelayMs), sink.end)
      }))
  }
}

export const registry = [
  { plugin: json, origin: "built-in" },
  { plugin: slow(40, "slowjson", 400), origin: "test" }
]

/** An archive with 1,000 posts for each of DID_A, DID_B and DID_C, made once per file. */
export const seededArchive = (): { dir: string; db: string } => {
  const fixture = { dir: "", db: "" }
  beforeAll(() => {
    fixture.dir = tempDir("skyporter-jobs-test-")
    fixture.db = path.join(fixture.dir, "archive.db")
    for (const [i, did] of [DID_A, DID_B, DID_C].entries()) {
      Synthetic.seedArchive(fixture.db, { posts: 1_000, did, seed: i + 1, otherDids: 0 })
    }
  })
  return fixture
}

/**
 * Batches of 100: a slow export of 1,000 posts runs ten batches, each a progress event, on a reader
 * thread. A test that only needs an export caught running keeps one batch (no reader): slowjson
 * waits 400 ms before its end.
 */
export const SLOW_BATCHES = { batchSize: 100 } as const

export const freshOut = (fixture: { dir: string }): string => mkdtempSync(path.join(fixture.dir, "out-"))

/**
 * Runs `f` with a manager on `db`, released (shut down) afterwards. Batches of 1,000 by default: an
 * export of one DID's posts is one batch, which starts no reader thread. A test whose slow export must
 * be caught running asks for `SLOW_BATCHES`.
 */
export const withManager = <A, E>(
  db: string,
  config: JobManager.Config,
  f: (manager: JobManager.JobManagerShape) => Effect.Effect<A, E, Scope.Scope>
): Promise<A> => {
  const layer = JobManager.JobManager.layer({ batchSize: 1_000, ...config }).pipe(
    Layer.provide(Layer.mergeAll(Archive.Archive.layer({ path: db }), FormatRegistry.FormatRegistry.layer(registry)))
  )
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        return yield* f(yield* JobManager.JobManager)
      }).pipe(Effect.provide(layer))
    )
  )
}

/** Every event of a job until its final one. */
export const events = (manager: JobManager.JobManagerShape, id: string, lastEventId?: number) =>
  Effect.flatMap(manager.watch(id, JobManager.ALL, lastEventId), Stream.runCollect)

/** The final event of a job. */
export const finalEvent = (manager: JobManager.JobManagerShape, id: string) =>
  Effect.map(events(manager, id), (all) => all[all.length - 1]!)

/** Every entry under `dir`, relative, sorted. */
export const tree = (dir: string): Array<string> => {
  if (!existsSync(dir)) return []
  return (readdirSync(dir, { recursive: true }) as Array<string>).sort()
}
