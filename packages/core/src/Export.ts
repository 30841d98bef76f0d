/**
 * The export runner: snapshot → batches → plugin sink → file, with progress
 * events, a manifest, and an atomic publish. Either a complete, verified
 * export directory appears, or nothing does.
 */
import type { ZipFile } from "@skyporter/zip"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import * as path from "node:path"
import { Archive } from "./Archive.js"
import type * as BatchSource from "./BatchSource.js"
import * as Encoder from "./Encoder.js"
import { type ExportError, ExportFailed, type Stage } from "./Errors.js"
import * as ExportDirectory from "./ExportDirectory.js"
import { type ExportRequest, prepare, type PreparedRequest } from "./ExportRequest.js"
import type { FormatRegistry } from "./FormatRegistry.js"
import { openOutput, writeManifest, writeReason } from "./internal/OutputFile.js"
import { pluginCall } from "./internal/PluginCall.js"
import { Reporter } from "./internal/Reporter.js"
import * as ThreadPool from "./internal/ThreadPool.js"
import * as Manifest from "./Manifest.js"
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
export const execute = Effect.fn("Export.execute")(function* (
  prepared: PreparedRequest,
  emit: (event: Progress.ExportEvent) => void
) {
  const { request, plugin } = prepared
  const archive = yield* Archive
  const progress = yield* Reporter.make(emit)
  // Where the export stands, for a failure that does not say.
  let stage: Stage = "prepare"
  let currentBatch: number | undefined

  const body = Effect.gen(function* () {
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    yield* ExportDirectory.sweep(request.out)
    const temp = yield* ExportDirectory.acquireTemp(request.out, request.did)
    // A ZIP export writes its archive as it goes: media files go straight
    // into it, the data file and the manifest when they are done.
    const zip = request.zip ? yield* ExportDirectory.createZip(temp) : undefined

    // snapshot → batches → encoder → chunks in export order → the data file.
    stage = "snapshot"
    const { encoding, snapshot } = yield* Encoder.open(archive, prepared)
    const total = encoding.total
    progress.update({ posts_total: total })
    stage = "media"
    const media =
      snapshot !== undefined && request.media
        ? yield* openMedia(
            snapshot,
            prepared,
            archive.path,
            temp.dir,
            progress,
            zip && { archive: zip, mtime: startedAt }
          )
        : undefined
    yield* progress.send({ _tag: "Started", snapshot: progress.snapshot })
    yield* progress.heartbeat(request.heartbeatMillis ?? Progress.HEARTBEAT_MILLIS)

    stage = "write"
    const output = yield* openOutput(temp.dir, `posts.${plugin.extension}`)
    stage = "encode"
    const sink = yield* pluginCall(plugin, plugin.make(prepared.options, { total }))
    yield* output.write(yield* pluginCall(plugin, sink.start))
    yield* Stream.runForEachArray(encoding.encode(sink), (chunks) =>
      Effect.gen(function* () {
        // Everything pulled at once is written in one call.
        stage = "write"
        currentBatch = chunks[0]!.batch
        yield* output.writeAll(
          chunks.map((chunk) => chunk.bytes),
          currentBatch
        )
        for (const chunk of chunks) {
          currentBatch = chunk.batch
          if (chunk.posts === 0) continue
          yield* progress.written(chunk.posts)
          if (media !== undefined && chunk.source !== undefined) {
            stage = "media"
            yield* media.copyBatch(chunk.source.map((post) => post.uri))
          }
        }
        stage = "encode"
      })
    )
    currentBatch = undefined
    yield* output.write(yield* pluginCall(plugin, sink.end))
    stage = "write"
    const dataFile = yield* output.finish

    const processed = progress.snapshot.posts_processed
    if (processed !== total) {
      return yield* new ExportFailed({
        stage: "read",
        message: `the snapshot counted ${total} posts but ${processed} were read`
      })
    }
    if (media !== undefined) {
      stage = "media"
      yield* media.finish
      yield* progress.mediaCopied(progress.snapshot.media_copied, true)
    }

    stage = "publish"
    const manifest = manifestOf(prepared, startedAt, processed, [dataFile], media, encoding.warnings())
    if (zip === undefined) {
      yield* writeManifest(temp.dir, manifest)
      yield* ExportDirectory.syncDirectory(temp.dir)
    } else {
      yield* finishZip(zip, path.join(temp.dir, dataFile.path), dataFile, manifest, startedAt)
    }
    const zipFile = zip?.path

    // From here on the export either completes or was never there: an
    // interrupt waits until the rename and the Completed event are done.
    return yield* Effect.uninterruptible(
      Effect.gen(function* () {
        const published =
          zipFile === undefined
            ? yield* ExportDirectory.publish(temp, startedAt)
            : yield* ExportDirectory.publishZip(temp, zipFile, startedAt)
        progress.update({ status: "completed" })
        const completed: Progress.Completed = {
          _tag: "Completed",
          path: published,
          manifest,
          snapshot: progress.snapshot
        }
        yield* progress.send(completed)
        return completed
      })
    )
  }).pipe(Effect.scoped, Effect.provide(ThreadPool.ThreadPool.layer))

  return yield* body.pipe(Effect.tapError((error: ExportError) => progress.failed(error, stage, currentBatch)))
})

/** Media of the exported posts: counted in the snapshot before the export starts, copied batch by batch. */
const openMedia = (
  snapshot: BatchSource.Snapshot,
  prepared: PreparedRequest,
  archivePath: string,
  dir: string,
  progress: Reporter,
  zip: Media.CopierOptions["zip"]
) =>
  Effect.gen(function* () {
    const selection = { did: prepared.request.did, range: prepared.range }
    progress.update({ media_total: yield* Media.count(snapshot, selection) })
    return yield* Media.make(snapshot, {
      root: Media.rootOf(prepared.request.mediaRoot, archivePath),
      dir,
      zip,
      warnings: snapshot.warnings,
      onCopied: (copied) => progress.mediaCopied(copied)
    })
  })

/**
 * Completes a ZIP export's archive: the data file (checked to be the bytes
 * its manifest entry was hashed from), the manifest, then the central
 * directory, flushed to disk.
 */
const finishZip = (
  zip: ZipFile.ZipFile,
  dataPath: string,
  data: Manifest.FileEntry,
  manifest: Manifest.Manifest,
  mtime: Date
) =>
  Effect.gen(function* () {
    const written = yield* zip.addFile(data.path, dataPath, { mtime, size: data.bytes })
    if (written.sha256 !== data.sha256) {
      return yield* new ExportFailed({
        stage: "publish",
        message: `${data.path} changed before it went into the ZIP file`
      })
    }
    yield* zip.addBytes(Manifest.FILE_NAME, Manifest.encode(manifest), { mtime })
    yield* zip.close
  }).pipe(
    Effect.catchTag("ZipError", (e) =>
      Effect.fail(new ExportFailed({ stage: "publish", message: `cannot write the ZIP file: ${writeReason(e)}` }))
    )
  )

/** What the manifest says about a finished export. */
const manifestOf = (
  { request, plugin, range }: PreparedRequest,
  startedAt: Date,
  posts: number,
  data: ReadonlyArray<Manifest.FileEntry>,
  media: Media.Copier | undefined,
  warnings: BatchSource.Warnings
): Manifest.Manifest => ({
  export_format: plugin.name,
  plugin: { name: plugin.name, version: plugin.version },
  skyporter_version: VERSION,
  export_timestamp: startedAt.toISOString(),
  did: request.did,
  date_range: range.requested,
  post_count: posts,
  media_count: media?.files.length ?? 0,
  files: [...data, ...(media?.files ?? [])],
  missing_media: [...(media?.missing ?? [])],
  warnings: { count: warnings.count, messages: [...warnings.first] }
})
