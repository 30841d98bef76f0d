/**
 * Running exports for the conformance suite: one export through the real
 * runner with what it did recorded, plugin wrappers that see each sink
 * write, and byte comparisons that fail readably.
 */
import { Archive, Export, FormatPlugin, FormatRegistry, type Manifest, type Post, type Progress } from "@skyporter/core"
import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"

/** What one export through the real runner did. */
export interface Run {
  readonly exit: Exit.Exit<void, unknown>
  readonly events: ReadonlyArray<Progress.ExportEvent>
  /** Every post the core passed to the sink, in order. */
  readonly posts: ReadonlyArray<Post.Post>
  /** The output folder; exports land in `<out>/<did>/`. */
  readonly out: string
  readonly did: string
}

export interface Done extends Run {
  readonly manifest: Manifest.Manifest
  readonly bytes: Buffer
}

/**
 * The plugin with its sink's writes seen by `onWrite` first (which may
 * replace the write). The wrapper lives on this thread only, so it never
 * runs `concurrent`: the core then encodes on this thread, in order.
 */
export const wrap = (
  plugin: FormatPlugin.FormatPlugin,
  onWrite: (
    batch: Post.PostBatch,
    n: number,
    write: Effect.Effect<FormatPlugin.Chunk, FormatPlugin.FormatError>
  ) => Effect.Effect<FormatPlugin.Chunk, FormatPlugin.FormatError>
): FormatPlugin.FormatPlugin => ({
  ...plugin,
  concurrent: undefined,
  make: (options, context) =>
    Effect.map(plugin.make(options, context), (sink) => {
      let n = 0
      return {
        ...sink,
        write: (batch, position) => Effect.suspend(() => onWrite(batch, ++n, sink.write(batch, position)))
      }
    })
})

/** Entries under `<out>/<did>`: published exports and temporary folders alike. */
export const leftovers = (run: Run): Array<string> => {
  const dir = path.join(run.out, run.did)
  return existsSync(dir) ? readdirSync(dir) : []
}

export const completed = (run: Run): Done => {
  if (Exit.isFailure(run.exit)) throw new Error(`the export failed: ${Cause.pretty(run.exit.cause)}`)
  const last = run.events.at(-1)
  if (last?._tag !== "Completed") throw new Error(`the export ended without a Completed event (last: ${last?._tag})`)
  const file = last.manifest.files[0]!
  return { ...run, manifest: last.manifest, bytes: readFileSync(path.join(last.path, file.path)) }
}

export const batchSizes = (run: Run): Array<number> =>
  run.events.flatMap((e) => (e._tag === "BatchWritten" ? [e.posts] : []))

/** Byte equality with a short, readable failure. */
export const expectSameBytes = (actual: Buffer, expected: Buffer, what: string) => {
  if (actual.equals(expected)) return
  let at = 0
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString("utf8"))
  expect.fail(
    `${what}: ${actual.length} bytes instead of ${expected.length}, first difference at byte ${at}\n` +
      `  got:      ${around(actual)}\n  expected: ${around(expected)}`
  )
}

export interface ExportOptions {
  readonly batchSize?: number
  readonly onEvent?: (event: Progress.ExportEvent) => Effect.Effect<void>
  readonly under?: FormatPlugin.FormatPlugin
  /** Run the plugin as it is, on this many threads (posts are then not recorded). */
  readonly threads?: number
  readonly chunkPosts?: number
}

/**
 * One export of `plugin` through `Export.run`, with the posts the sink saw
 * recorded; `where` gives the archive and a fresh output folder for each.
 */
export const exporter =
  (
    plugin: FormatPlugin.FormatPlugin,
    pluginOptions: unknown,
    where: () => { readonly db: string; readonly out: string }
  ) =>
  async (
    did: string,
    { batchSize, onEvent, under = plugin, threads, chunkPosts }: ExportOptions = {}
  ): Promise<Run> => {
    const { db, out } = where()
    const posts: Array<Post.Post> = []
    const events: Array<Progress.ExportEvent> = []
    const recording =
      threads !== undefined
        ? under
        : wrap(under, (batch, _n, write) => {
            for (const p of batch) posts.push(p)
            return write
          })
    const layer = Layer.mergeAll(
      Archive.Archive.layer({ path: db }),
      FormatRegistry.FormatRegistry.layer([{ plugin: recording, origin: "conformance" }])
    )
    const exit = await Effect.runPromiseExit(
      Export.run({ did, format: plugin.name, options: pluginOptions, out, batchSize, threads, chunkPosts }).pipe(
        Stream.runForEach((event) => {
          events.push(event)
          return onEvent ? onEvent(event) : Effect.void
        }),
        Effect.provide(layer)
      )
    )
    return { exit, events, posts, out, did }
  }
