/**
 * An export request and its validation: everything checked before the
 * archive or the disk is touched.
 */
import * as Effect from "effect/Effect"
import { existsSync, statSync } from "node:fs"
import * as path from "node:path"
import * as DateRange from "./DateRange.js"
import * as Did from "./Did.js"
import { InvalidRequest } from "./Errors.js"
import type { FormatPlugin } from "./FormatPlugin.js"
import { FormatRegistry } from "./FormatRegistry.js"
import * as Prewarm from "./internal/Prewarm.js"
import * as PluginOptions from "./PluginOptions.js"

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

/** The most threads one export may ask for (`Prewarm.MAX_THREADS`). */
export const MAX_THREADS = Prewarm.MAX_THREADS

/** Validates a request without touching the archive or the disk. */
export const prepare = Effect.fn("Export.prepare")(function* (request: ExportRequest) {
  yield* Did.validate(request.did)
  const range = yield* DateRange.make({ since: request.since, until: request.until })
  const registry = yield* FormatRegistry
  const plugin = yield* registry.get(request.format)
  const options = yield* PluginOptions.decode(plugin, request.options)
  if (request.batchSize !== undefined && !(Number.isInteger(request.batchSize) && request.batchSize >= 1)) {
    return yield* new InvalidRequest({ field: "batchSize", message: "batch size must be a whole number ≥ 1" })
  }
  if (request.budgetBytes !== undefined && !(Number.isInteger(request.budgetBytes) && request.budgetBytes >= 1)) {
    return yield* new InvalidRequest({
      field: "budgetBytes",
      message: "batch budget must be a whole number of bytes ≥ 1"
    })
  }
  const { threads, chunkPosts } = request
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    return yield* new InvalidRequest({
      field: "threads",
      message: `threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`
    })
  }
  if (chunkPosts !== undefined && !(Number.isInteger(chunkPosts) && chunkPosts >= 1)) {
    return yield* new InvalidRequest({
      field: "chunkPosts",
      message: `chunkPosts must be a whole number ≥ 1, got ${chunkPosts}`
    })
  }
  if (request.out.trim() === "" || request.out.includes("\0")) {
    return yield* new InvalidRequest({ field: "out", message: "the output folder must be a non-empty path" })
  }
  if (request.media && request.mediaRoot !== undefined) {
    if (!existsSync(request.mediaRoot) || !statSync(request.mediaRoot).isDirectory()) {
      return yield* new InvalidRequest({
        field: "mediaRoot",
        message:
          `--media-root ${request.mediaRoot} is not a directory: it must name the folder that the ` +
          "archive's relative media paths start from"
      })
    }
  }
  return {
    request: {
      ...request,
      // The format's own name, whatever case the request wrote it in.
      format: plugin.name,
      out: path.resolve(request.out),
      ...(request.mediaRoot === undefined ? {} : { mediaRoot: path.resolve(request.mediaRoot) })
    },
    plugin,
    options,
    range
  } satisfies PreparedRequest as PreparedRequest
})
