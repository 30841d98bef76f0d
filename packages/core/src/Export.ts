/**
 * The export runner: snapshot → batches → plugin sink → file, with progress
 * events, a manifest, and an atomic publish. Either a complete, verified
 * export directory appears, or nothing does.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { existsSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Archive } from "./Archive.js"
import * as BatchSource from "./BatchSource.js"
import * as DateRange from "./DateRange.js"
import * as Did from "./Did.js"
import { describe, type ExportError, ExportFailed, InvalidRequest, type Stage } from "./Errors.js"
import * as ExportDirectory from "./ExportDirectory.js"
import type { Chunk, FormatError, FormatPlugin, FormatSink } from "./FormatPlugin.js"
import { FormatRegistry } from "./FormatRegistry.js"
import * as LoadedPlugins from "./internal/LoadedPlugins.js"
import * as Manifest from "./Manifest.js"
import * as Media from "./Media.js"
import * as ParallelEncoder from "./internal/ParallelEncoder.js"
import * as ReaderPool from "./internal/ThreadPool.js"
import * as PluginOptions from "./PluginOptions.js"
import * as Progress from "./Progress.js"

/** This package's version, recorded in every manifest. */
export const VERSION: string = createRequire(import.meta.url)("@skyporter/core/package.json").version

export interface ExportRequest {
  readonly did: string
  /** A registered format name. */
  readonly format: string
  /** The plugin's options, validated by its own schema. */
  readonly options?: unknown
  /** `YYYY-MM-DD` (from 00:00 UTC) or an RFC 3339 timestamp, inclusive. */
  readonly since?: string | undefined
  /** `YYYY-MM-DD` (to the end of that UTC day) or an RFC 3339 timestamp, inclusive. */
  readonly until?: string | undefined
  /** The output folder; exports go to `<out>/<did>/<stamp>/`. */
  readonly out: string
  /** Copy the media files of the exported posts into `media/` (see `Media`). */
  readonly media?: boolean | undefined
  /**
   * With `media`: the folder relative `file_path`s resolve against, and that
   * every media file must lie in. Default: the archive file's folder.
   */
  readonly mediaRoot?: string | undefined
  /** Publish one `<out>/<did>/<stamp>.zip` file instead of a directory. */
  readonly zip?: boolean | undefined
  readonly batchSize?: number | undefined
  readonly budgetBytes?: number | undefined
  /**
   * Threads that read and encode, for formats that declare `concurrent`
   * (default: the cores available, at most 4). Output bytes never depend on it.
   */
  readonly threads?: number | undefined
  /** Posts per chunk when several threads share an export (tuning; bytes never depend on it). */
  readonly chunkPosts?: number | undefined
  /** Heartbeat interval while a batch takes long (default 5 s). */
  readonly heartbeatMillis?: number | undefined
}

/** A request checked against the registry and the plugin's schema. */
export interface PreparedRequest {
  readonly request: ExportRequest
  readonly plugin: FormatPlugin
  readonly options: unknown
  readonly range: DateRange.DateRange
}

/** The most threads one export may ask for (`ReaderPool.MAX_THREADS`). */
export const MAX_THREADS = ReaderPool.MAX_THREADS

/** Validates a request without touching the archive or the disk. */
export const prepare = Effect.fn("Export.prepare")(function*(request: ExportRequest) {
  yield* Did.validate(request.did)
  const range = yield* DateRange.make({ since: request.since, until: request.until })
  const registry = yield* FormatRegistry
  const plugin = yield* registry.get(request.format)
  const options = yield* PluginOptions.decode(plugin, request.options)
  if (request.batchSize !== undefined && !(Number.isInteger(request.batchSize) && request.batchSize >= 1)) {
    return yield* new InvalidRequest({ field: "batchSize", message: "batch size must be a whole number ≥ 1" })
  }
  if (request.budgetBytes !== undefined && !(Number.isInteger(request.budgetBytes) && request.budgetBytes >= 1)) {
    return yield* new InvalidRequest({ field: "budgetBytes", message: "batch budget must be a whole number of bytes ≥ 1" })
  }
  const { threads, chunkPosts } = request
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    return yield* new InvalidRequest({
      field: "threads",
      message: `threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`
    })
  }
  if (chunkPosts !== undefined && !(Number.isInteger(chunkPosts) && chunkPosts >= 1)) {
    return yield* new InvalidRequest({ field: "chunkPosts", message: `chunkPosts must be a whole number ≥ 1, got ${chunkPosts}` })
  }
  if (request.out.trim() === "" || request.out.includes("\0")) {
    return yield* new InvalidRequest({ field: "out", message: "the output folder must be a non-empty path" })
  }
  if (existsSync(request.out) && !statSync(request.out).isDirectory()) {
    return yield* new InvalidRequest({
      field: "out",
      message: `--out ${request.out} is a file: it must name a folder (created when missing)`
    })
  }
  if (request.media && request.mediaRoot !== undefined) {
    if (!existsSync(request.mediaRoot) || !statSync(request.mediaRoot).isDirectory()) {
      return yield* new InvalidRequest({
        field: "mediaRoot",
        message: `--media-root ${request.mediaRoot} is not a directory: it must name the folder that the ` +
          "archive's relative media paths start from"
      })
    }
  }
  return {
    request: {
      ...request,
      out: path.resolve(request.out),
      ...(request.mediaRoot === undefined ? {} : { mediaRoot: path.resolve(request.mediaRoot) })
    },
    plugin,
    options,
    range
  } satisfies PreparedRequest as PreparedRequest
})

const toBytes = (chunk: Chunk): Uint8Array => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)

/** Writes every byte of `data` at the file's position, in one call when the system allows; returns the bytes written. */
const writeFully = async (handle: fs.FileHandle, data: ReadonlyArray<Uint8Array>): Promise<number> => {
  let total = 0
  for (const d of data) total += d.length
  let done = (await handle.writev(data as Array<Uint8Array>)).bytesWritten
  // A short write (rare for files) goes on from where it stopped.
  for (let i = 0, skip = done; done < total; i++) {
    const d = data[i]!
    if (skip >= d.length) {
      skip -= d.length
      continue
    }
    await handle.writeFile(d.subarray(skip))
    done += d.length - skip
    skip = 0
  }
  return total
}

/** A user-facing reason for a failed write. */
const writeReason = (e: unknown): string => {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOSPC":
      return "the output disk is full (ENOSPC)"
    case "EDQUOT":
      return "the disk quota is exhausted (EDQUOT)"
    case "EFBIG":
      return "the file size limit was reached (EFBIG)"
    case "EROFS":
      return "the output folder is on a read-only filesystem (EROFS)"
    case "EACCES":
    case "EPERM":
      return `the output folder is not writable (${(e as NodeJS.ErrnoException).code})`
    default:
      return describe(e)
  }
}

/** Writes the manifest into the temporary directory, flushed to disk. */
const writeManifest = (dir: string, manifest: Manifest.Manifest) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await fs.open(path.join(dir, Manifest.FILE_NAME), "wx")
      try {
        await handle.writeFile(Manifest.encode(manifest))
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
    catch: (e) => new ExportFailed({ stage: "publish", message: `cannot write the manifest: ${writeReason(e)}` })
  })

/** Bytes written between two background flushes of the data file. */
const FLUSH_BYTES = 64 * 1024 * 1024

/** A file written in the temporary directory, hashed as it is written. */
interface Output {
  readonly write: (chunk: Chunk, batch?: number) => Effect.Effect<void, ExportFailed>
  /** Writes several chunks in one call, in order (`batch`: the first one's, for errors). */
  readonly writeAll: (chunks: ReadonlyArray<Uint8Array>, batch?: number) => Effect.Effect<void, ExportFailed>
  readonly finish: Effect.Effect<Manifest.FileEntry, ExportFailed>
}

const openOutput = (dir: string, name: string): Effect.Effect<Output, ExportFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => fs.open(path.join(dir, name), "wx"),
      catch: (e) => new ExportFailed({ stage: "write", message: `cannot create ${name}: ${writeReason(e)}` })
    }),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  ).pipe(Effect.map((handle) => {
    const hash = createHash("sha256")
    let bytes = 0
    // Data is flushed to disk while the export goes on, so the final fsync
    // has little left to do; a flush that failed is reported by `finish`.
    let flushedAt = 0
    let flushing: Promise<unknown> = Promise.resolve()
    let flushError: unknown
    const writeAll = (chunks: ReadonlyArray<Uint8Array>, batch?: number) => {
      const data = chunks.filter((c) => c.length > 0)
      if (data.length === 0) return Effect.void
      return Effect.tryPromise({
        try: async () => {
          // The write runs on libuv's pool while this thread hashes the same bytes.
          const written = writeFully(handle, data)
          for (const d of data) hash.update(d)
          bytes += await written
          if (bytes - flushedAt >= FLUSH_BYTES) {
            flushedAt = bytes
            flushing = flushing.then(() => handle.datasync()).catch((e) => (flushError ??= e))
          }
        },
        catch: (e) =>
          new ExportFailed({
            stage: "write",
            ...(batch === undefined ? {} : { batch }),
            message: `cannot write ${name}${batch === undefined ? "" : ` (batch ${batch})`}: ${writeReason(e)}`
          })
      })
    }
    return {
      write: (chunk: Chunk, batch?: number) => writeAll([toBytes(chunk)], batch),
      writeAll,
      finish: Effect.tryPromise({
        try: async () => {
          await flushing
          if (flushError !== undefined) throw flushError
          await handle.sync()
          return { path: name, bytes, sha256: hash.digest("hex") } satisfies Manifest.FileEntry
        },
        catch: (e) => new ExportFailed({ stage: "write", message: `cannot flush ${name}: ${writeReason(e)}` })
      })
    }
  }))

/** Runs a plugin call, turning its typed failures and defects into an ExportFailed. */
const pluginCall = <A>(
  plugin: FormatPlugin,
  effect: Effect.Effect<A, FormatError>,
  batch?: number
): Effect.Effect<A, ExportFailed> =>
  Effect.suspend(() => effect).pipe(
    Effect.catchDefect((defect) => Effect.fail({ message: `plugin crashed: ${describe(defect)}` })),
    Effect.mapError((e) =>
      new ExportFailed({
        stage: "encode",
        ...(batch === undefined ? {} : { batch }),
        message: `format "${plugin.name}"${batch === undefined ? "" : ` failed on batch ${batch}`}: ${e.message}`
      })
    )
  )

/**
 * `PRAGMA data_version` without waiting: with a writer mid-commit the
 * reading fails at once (never equal, so the export keeps one thread)
 * rather than waiting out the busy timeout.
 */
const dataVersion = (db: Archive["Service"]["database"]): unknown => {
  const timeout = db.pragma("busy_timeout", { simple: true })
  try {
    db.pragma("busy_timeout = 0")
    return db.pragma("data_version", { simple: true })
  } catch {
    return Symbol("unreadable")
  } finally {
    db.pragma(`busy_timeout = ${Number(timeout)}`)
  }
}

/** Threads for a concurrent format: the cores this process may use, at most 4. */

/** Options reach worker threads by structured clone; anything else keeps the export on this thread. */
const cloneable = (value: unknown): boolean => {
  try {
    structuredClone(value)
    return true
  } catch {
    return false
  }
}

/**
 * Whether `module`'s default export is this plugin (same name and version). A
 * plugin that spreads another one into a new name (a wrapper adding
 * behaviour) keeps its `concurrent` field by accident: a thread would load
 * the plugin it wraps, so such a plugin encodes on this thread instead. A
 * plugin held for its module (LoadedPlugins) is the one threads use, with
 * nothing to import.
 */
const loadsItself = (module: string, plugin: FormatPlugin): Effect.Effect<boolean> =>
  LoadedPlugins.get(module) === plugin ? Effect.succeed(true) : Effect.promise(() =>
    import(module).then(
      (loaded: { default?: Partial<FormatPlugin> }) =>
        loaded.default?.name === plugin.name && loaded.default?.version === plugin.version,
      () => false
    )
  )

/**
 * Writes encoded chunks to `output` in export order while threads finish
 * them in any order: bytes of the chunk being written go straight to the
 * output; bytes of later chunks wait in memory until every chunk before them
 * is done. Their credit is handed back only once they are written, so a
 * thread is never more than `ParallelEncoder.CREDIT` batches ahead.
 */
const writeInOrder = (
  encoder: ParallelEncoder.Encoder,
  output: Output,
  batchOf: (message: ParallelEncoder.Encoded) => number,
  stored: (message: ParallelEncoder.Encoded) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const held = new Map<number, Array<ParallelEncoder.Encoded>>()
    const ended = new Set<number>()
    const store = (messages: ReadonlyArray<ParallelEncoder.Encoded>) =>
      Effect.gen(function*() {
        if (messages.length === 0) return
        yield* output.writeAll(messages.map((m) => m.bytes), batchOf(messages[0]!))
        for (const m of messages) {
          yield* encoder.release(m)
          yield* stored(m)
        }
      })
    let current = 0
    while (current < encoder.chunks.length) {
      // Everything that has arrived is written in one call: a write per
      // message would take a turn of the event loop each, and hand threads
      // their credit back no faster than this thread encodes its own share.
      const arrived = [yield* encoder.take]
      for (let m = yield* encoder.poll; m !== undefined; m = yield* encoder.poll) arrived.push(m)
      const ready: Array<ParallelEncoder.Encoded> = []
      for (const message of arrived) {
        if (message.last) ended.add(message.chunk)
        if (message.chunk === current) ready.push(message)
        else {
          const waiting = held.get(message.chunk)
          if (waiting === undefined) held.set(message.chunk, [message])
          else waiting.push(message)
        }
        while (ended.has(current)) {
          current++
          const waiting = held.get(current)
          if (waiting !== undefined) {
            held.delete(current)
            ready.push(...waiting)
          }
        }
      }
      yield* store(ready)
    }
  })

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
