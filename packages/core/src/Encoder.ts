/**
 * The encoder: turns the batches of a snapshot into a stream of encoded
 * chunks in export order, for the writer to store. A format that declares
 * `concurrent` is encoded on several threads (internal/ParallelEncoder): the
 * stream is the same, only its chunks arrive sooner.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ArchiveShape } from "./Archive.js"
import * as BatchSource from "./BatchSource.js"
import type { EncodedChunk, Encoding } from "./Encoding.js"
import type { ExportFailed } from "./Errors.js"
import type { PreparedRequest } from "./ExportRequest.js"
import type { FormatPlugin, FormatSink } from "./FormatPlugin.js"
import { toBytes } from "./internal/OutputFile.js"
import * as ParallelEncoder from "./internal/ParallelEncoder.js"
import { cloneable, dataVersion, holdsAtMost, loadsItself } from "./internal/Parallelism.js"
import { pluginCall } from "./internal/PluginCall.js"
import * as Prewarm from "./internal/Prewarm.js"

export type { EncodedChunk, Encoding } from "./Encoding.js"

/** Encodes each batch of `snapshot` with `sink`, on this thread. */
export const encodeBatches = (
  snapshot: BatchSource.Snapshot,
  plugin: FormatPlugin,
  sink: FormatSink
): Stream.Stream<EncodedChunk, ExportFailed> => {
  let batch = 0
  let offset = 0
  return Stream.mapEffect(snapshot.batches, (posts) => {
    const number = ++batch
    const at = offset
    offset += posts.length
    return pluginCall(plugin, sink.write(posts, { offset: at }), number).pipe(
      Effect.map((chunk): EncodedChunk => {
        snapshot.settle()
        return { bytes: toBytes(chunk), posts: posts.length, batch: number, source: posts }
      })
    )
  })
}

/** The batches of a snapshot read on this thread's side, encoded here. */
export const fromSnapshot = (snapshot: BatchSource.Snapshot, plugin: FormatPlugin): Encoding => ({
  total: snapshot.total,
  encode: (sink) => encodeBatches(snapshot, plugin, sink),
  warnings: () => snapshot.warnings
})

/**
 * Opens the encoding of a prepared export: on several threads when its
 * format allows (no media: copying needs each batch's posts on this thread),
 * else from one snapshot read by one reader thread (by this one for about a
 * batch of posts), whose `snapshot` is then returned for other reads in it (media).
 */
export const open = Effect.fn("Encoder.open")(function* (archive: ArchiveShape, prepared: PreparedRequest) {
  const { request, plugin } = prepared
  const selection = { did: request.did, range: prepared.range }
  const options = { batchSize: request.batchSize, budgetBytes: request.budgetBytes, indexed: archive.indexed }
  const threads = request.threads ?? Prewarm.defaultThreads()
  // About one batch is read and encoded here before a reader thread would have started.
  const onThisThread = holdsAtMost(archive.database, selection, request.batchSize ?? BatchSource.DEFAULT_BATCH_SIZE)
  const concurrent =
    plugin.concurrent !== undefined &&
    !request.media &&
    cloneable(request.options) &&
    (yield* loadsItself(plugin.concurrent.module, plugin))
  // Asked for one thread, a concurrent format reads on a reader while this thread writes, unless
  // the export is about one batch.
  if (concurrent && !(threads === 1 && onThisThread)) {
    const parallel = yield* ParallelEncoder.open(
      archive.path,
      selection,
      { module: plugin.concurrent!.module, name: plugin.name, options: request.options ?? {} },
      {
        ...options,
        threads,
        chunkPosts: request.chunkPosts,
        plugin,
        version: () => dataVersion(archive.database)
      }
    )
    return { encoding: parallel as Encoding, snapshot: undefined }
  }
  const snapshot = yield* BatchSource.open(archive.path, selection, { ...options, onThisThread })
  return { encoding: fromSnapshot(snapshot, plugin), snapshot }
}) as (
  archive: ArchiveShape,
  prepared: PreparedRequest
) => Effect.Effect<
  { readonly encoding: Encoding; readonly snapshot: BatchSource.Snapshot | undefined },
  ExportFailed,
  Scope.Scope
>
