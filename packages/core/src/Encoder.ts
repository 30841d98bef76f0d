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
import type { ExportFailed } from "./Errors.js"
import type { PreparedRequest } from "./ExportRequest.js"
import type { FormatPlugin, FormatSink } from "./FormatPlugin.js"
import { toBytes } from "./internal/OutputFile.js"
import * as ParallelEncoder from "./internal/ParallelEncoder.js"
import { cloneable, dataVersion, loadsItself } from "./internal/Parallelism.js"
import { pluginCall } from "./internal/PluginCall.js"
import * as Prewarm from "./internal/Prewarm.js"
import type * as Post from "./Post.js"
import type { Warnings } from "./Warnings.js"

/** Encoded bytes of consecutive posts. */
export interface EncodedChunk {
  /** Valid until the next chunk is pulled: its buffer may then be filled again. */
  readonly bytes: Uint8Array
  /** Posts encoded (0 at the end of a thread's share). */
  readonly posts: number
  /** The batch, counted from 1, that a failure to write these bytes names. */
  readonly batch: number
  /** The posts themselves, when they were decoded on this thread (media is copied from them). */
  readonly source?: Post.PostBatch | undefined
}

/** An export's posts, ready to be encoded. */
export interface Encoding {
  /** Posts in the selection, counted in the snapshot. */
  readonly total: number
  /**
   * The posts encoded, in export order: by `sink` on this thread, or by
   * threads that make their own sinks. Can be run once.
   */
  readonly encode: (sink: FormatSink) => Stream.Stream<EncodedChunk, ExportFailed>
  /** Values that could not be decoded as stored, once the stream has ended. */
  readonly warnings: () => Warnings
}

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
 * else from one snapshot read by one reader thread, whose `snapshot` is then
 * returned for other reads in it (media).
 */
export const open = Effect.fn("Encoder.open")(function*(archive: ArchiveShape, prepared: PreparedRequest) {
  const { request, plugin } = prepared
  const selection = { did: request.did, range: prepared.range }
  const byDate = !archive.indexed && BatchSource.readByDate(archive.database, request.did)
  const options = { batchSize: request.batchSize, budgetBytes: request.budgetBytes, byDate }
  const concurrent = plugin.concurrent !== undefined && !request.media && cloneable(request.options) &&
    (yield* loadsItself(plugin.concurrent.module, plugin))
  if (concurrent) {
    const parallel = yield* ParallelEncoder.open(
      archive.path,
      selection,
      { module: plugin.concurrent!.module, name: plugin.name, options: request.options ?? {} },
      {
        ...options,
        // Separate cursors in one snapshot each search from their last post
        // through the export-order index. Without it, every search would sort
        // the whole selection (by DID) or the whole run of posts created at
        // its instant (by date), and skipping a NULL created_at tail would
        // read every row before it: one cursor sorts each once.
        threads: archive.indexed ? (request.threads ?? Prewarm.defaultThreads()) : 1,
        chunkPosts: request.chunkPosts,
        plugin,
        version: () => dataVersion(archive.database)
      }
    )
    return { encoding: parallel as Encoding, snapshot: undefined }
  }
  const snapshot = yield* BatchSource.open(archive.path, selection, options)
  return { encoding: fromSnapshot(snapshot, plugin), snapshot }
}) as (
  archive: ArchiveShape,
  prepared: PreparedRequest
) => Effect.Effect<
  { readonly encoding: Encoding; readonly snapshot: BatchSource.Snapshot | undefined },
  ExportFailed,
  Scope.Scope
>
