/**
 * The export runner: snapshot → batches → plugin sink → file, with progress
 * events, a manifest, and an atomic publish. Either a complete, verified
 * export directory appears, or nothing does.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import * as path from "node:path"
import { Archive } from "./Archive.js"
import * as BatchSource from "./BatchSource.js"
import { type ExportError, ExportFailed, type Stage } from "./Errors.js"
import * as ExportDirectory from "./ExportDirectory.js"
import { type ExportRequest, prepare, type PreparedRequest } from "./ExportRequest.js"
import type { FormatSink } from "./FormatPlugin.js"
import type { FormatRegistry } from "./FormatRegistry.js"
import { writeInOrder } from "./internal/InOrder.js"
import { openOutput, writeManifest } from "./internal/OutputFile.js"
import * as ParallelEncoder from "./internal/ParallelEncoder.js"
import { cloneable, dataVersion, loadsItself } from "./internal/Parallelism.js"
import { pluginCall } from "./internal/PluginCall.js"
import * as ReaderPool from "./internal/ThreadPool.js"
import type * as Manifest from "./Manifest.js"
import * as Media from "./Media.js"
import * as Progress from "./Progress.js"

/** This package's version, recorded in every manifest. */
export const VERSION: string = createRequire(import.meta.url)("@skyporter/core/package.json").version

export { MAX_THREADS, prepare, type ExportRequest, type PreparedRequest } from "./ExportRequest.js"

/**
 * Runs an export as a stream of progress events: Started, one BatchWritten
 * per batch (after its bytes are written), MediaCopied while media files are
 * copied (throttled) and once when they are done, Heartbeat while a batch
 * takes long, then Completed — or Failed, after which the stream fails with
 * the error. Interrupting the stream cancels the export; either way the
 * temporary directory is removed and nothing is published.
 */
export const run = (
  request: ExportRequest
): Stream.Stream<Progress.ExportEvent, ExportError, Archive | FormatRegistry> =>
  Stream.unwrap(Effect.map(prepare(request), stream))

/** The event stream of a request already checked by `prepare`. */
export const stream = (prepared: PreparedRequest): Stream.Stream<Progress.ExportEvent, ExportFailed, Archive> =>
  Stream.callback<Progress.ExportEvent, ExportFailed, Archive>((queue) =>
    execute(prepared, (event) => Queue.offerUnsafe(queue, event)).pipe(Effect.andThen(Queue.end(queue)))
  )

/** Runs a prepared export, reporting each event to `emit`; returns the Completed event. */
export const execute = Effect.fn("Export.execute")(function*(
  prepared: PreparedRequest,
  emit: (event: Progress.ExportEvent) => void
) {
  const { request, plugin } = prepared
  const archive = yield* Archive
  let snapshot: Progress.ProgressSnapshot = { ...Progress.initial, status: "running" }
  let lastEventAt = yield* Clock.currentTimeMillis
  const send = (event: Progress.ExportEvent) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      lastEventAt = now
      emit(event)
    })
  let stage: Stage = "prepare"
  let currentBatch: number | undefined

  const body = Effect.gen(function*() {
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    yield* ExportDirectory.sweep(request.out)
    const temp = yield* ExportDirectory.acquireTemp(request.out, request.did)

    stage = "snapshot"
    const selection = { did: request.did, range: prepared.range }
    const dataName = `posts.${plugin.extension}`
    const byDate = !archive.indexed && BatchSource.readByDate(archive.database, request.did)
    // Formats that can be encoded in parts, on several threads, are; media
    // copying needs each batch's posts in order on this thread, so it reads rows.
    const concurrent = plugin.concurrent !== undefined && !request.media && cloneable(request.options) &&
      (yield* loadsItself(plugin.concurrent.module, plugin))
    const encoder = concurrent
      ? yield* ParallelEncoder.open(
        archive.path,
        selection,
        { module: plugin.concurrent!.module, name: plugin.name, options: request.options ?? {} },
        {
          batchSize: request.batchSize,
          budgetBytes: request.budgetBytes,
          byDate,
          // Separate cursors in one snapshot each search from their last post
          // through the export-order index. Without it, every search would sort
          // the whole selection (by DID) or the whole run of posts created at
          // its instant (by date), and skipping a NULL created_at tail would
          // read every row before it: one cursor sorts each once.
          threads: archive.indexed ? (request.threads ?? ReaderPool.defaultThreads()) : 1,
          chunkPosts: request.chunkPosts,
          plugin,
          version: () => dataVersion(archive.database)
        }
      )
      : undefined
    const source = encoder === undefined
      ? yield* BatchSource.open(
        archive.path,
        selection,
        { batchSize: request.batchSize, budgetBytes: request.budgetBytes, byDate }
      )
      : undefined
    const total = encoder?.total ?? source!.total
    snapshot = { ...snapshot, posts_total: total }

    // Media: counted in the snapshot before the export starts, copied batch by batch.
    let mediaSentAt = Number.NEGATIVE_INFINITY
    const media = source !== undefined && request.media
      ? yield* Effect.gen(function*() {
        stage = "media"
        const mediaTotal = yield* Media.count(source, selection)
        snapshot = { ...snapshot, media_total: mediaTotal }
        return yield* Media.make(source, {
          root: request.mediaRoot ?? path.dirname(path.resolve(archive.path)),
          dir: temp.dir,
          warnings: source.warnings,
          onCopied: (copied) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              snapshot = { ...snapshot, media_copied: copied }
              if (now - mediaSentAt < Progress.MEDIA_EVENT_MILLIS) return Effect.void
              mediaSentAt = now
              return send({ _tag: "MediaCopied", snapshot })
            })
        })
      })
      : undefined
    yield* send({ _tag: "Started", snapshot })

    // A heartbeat repeats the snapshot whenever no event went out for a while.
    const interval = request.heartbeatMillis ?? Progress.HEARTBEAT_MILLIS
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const wait = lastEventAt + interval - now
      if (wait > 0) yield* Effect.sleep(wait)
      else yield* send({ _tag: "Heartbeat", snapshot })
    })))

    stage = "write"
    const output = yield* openOutput(temp.dir, dataName)
    stage = "encode"
    const sink: FormatSink = yield* pluginCall(plugin, plugin.make(prepared.options, { total }))
    yield* output.write(yield* pluginCall(plugin, sink.start))

    let batchNumber = 0
    const written = (posts: number) => {
      snapshot = { ...snapshot, posts_processed: snapshot.posts_processed + posts }
      return send({ _tag: "BatchWritten", batch: batchNumber, posts, snapshot })
    }
    if (encoder !== undefined) {
      const batchSize = request.batchSize ?? BatchSource.DEFAULT_BATCH_SIZE
      const batchOf = (message: ParallelEncoder.Encoded) => Math.floor(message.offset / batchSize) + 1
      stage = "write"
      yield* writeInOrder(encoder, output, batchOf, (message) => {
        // The batch in hand, for a failure that does not name its own.
        currentBatch = batchOf(message)
        if (message.posts === 0) return Effect.void
        batchNumber++
        return written(message.posts)
      })
    } else {
      yield* Stream.runForEach(source!.batches, (batch) =>
        Effect.gen(function*() {
          const offset = snapshot.posts_processed
          batchNumber++
          currentBatch = batchNumber
          stage = "encode"
          const chunk = yield* pluginCall(plugin, sink.write(batch, { offset }), batchNumber)
          source!.settle()
          stage = "write"
          yield* output.write(chunk, batchNumber)
          yield* written(batch.length)
          if (media !== undefined) {
            stage = "media"
            yield* media.copyBatch(batch.map((post) => post.uri))
          }
        }))
    }
    currentBatch = undefined
    stage = "encode"
    yield* output.write(yield* pluginCall(plugin, sink.end))
    stage = "write"
    const dataFile = yield* output.finish

    if (snapshot.posts_processed !== total) {
      return yield* new ExportFailed({
        stage: "read",
        message: `the snapshot counted ${total} posts but ${snapshot.posts_processed} were read`
      })
    }
    const warnings = encoder?.warnings() ?? source!.warnings

    if (media !== undefined) {
      stage = "media"
      yield* media.finish
      yield* send({ _tag: "MediaCopied", snapshot })
    }

    stage = "publish"
    const manifest: Manifest.Manifest = {
      export_format: plugin.name,
      plugin: { name: plugin.name, version: plugin.version },
      skyporter_version: VERSION,
      export_timestamp: startedAt.toISOString(),
      did: request.did,
      date_range: prepared.range.requested,
      post_count: snapshot.posts_processed,
      media_count: media?.files.length ?? 0,
      files: [dataFile, ...(media?.files ?? [])],
      missing_media: [...(media?.missing ?? [])],
      warnings: { count: warnings.count, messages: [...warnings.first] }
    }
    yield* writeManifest(temp.dir, manifest)
    yield* ExportDirectory.syncDirectory(temp.dir)
    // A ZIP export: the archive of the finished directory, written beside it
    // under a temporary name; the directory itself is never published.
    const zipFile = request.zip ? yield* ExportDirectory.writeZip(temp, startedAt) : undefined

    // From here on the export either completes or was never there: an
    // interrupt waits until the rename and the Completed event are done.
    return yield* Effect.uninterruptible(Effect.gen(function*() {
      const published = zipFile === undefined
        ? yield* ExportDirectory.publish(temp, startedAt)
        : yield* ExportDirectory.publishZip(temp, zipFile, startedAt)
      snapshot = { ...snapshot, status: "completed" }
      const completed: Progress.Completed = { _tag: "Completed", path: published, manifest, snapshot }
      yield* send(completed)
      return completed
    }))
  }).pipe(Effect.scoped)

  return yield* body.pipe(
    Effect.tapError((error) =>
      Effect.suspend(() => {
        const failure = error._tag === "ExportFailed"
          ? error
          : new ExportFailed({ stage, ...(currentBatch === undefined ? {} : { batch: currentBatch }), message: error.message })
        snapshot = {
          ...snapshot,
          status: "failed",
          error: {
            stage: failure.stage,
            ...(failure.batch === undefined ? {} : { batch: failure.batch }),
            message: failure.message
          }
        }
        return send({ _tag: "Failed", snapshot })
      })
    )
  )
})
