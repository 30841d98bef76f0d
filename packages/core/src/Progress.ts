/**
 * The progress protocol. An export is a `Stream` of these events; each
 * carries the snapshot of the export's progress at that moment, so a
 * listener that joins late (or misses events) is never out of date.
 */
import * as Schema from "effect/Schema"
import { Stage } from "./Errors.js"
import { Manifest } from "./Manifest.js"

export const Status = Schema.Literals(["queued", "running", "completed", "failed", "cancelled"])
export type Status = typeof Status.Type

export const ProgressError = Schema.Struct({
  stage: Stage,
  batch: Schema.optional(Schema.Number),
  message: Schema.String
})
export type ProgressError = typeof ProgressError.Type

/** Where an export stands. Field names are the wire format (CLI --json, HTTP, SSE). */
export const ProgressSnapshot = Schema.Struct({
  posts_processed: Schema.Number,
  posts_total: Schema.Number,
  media_copied: Schema.Number,
  media_total: Schema.Number,
  status: Status,
  error: Schema.NullOr(ProgressError)
})
export type ProgressSnapshot = typeof ProgressSnapshot.Type

export const initial: ProgressSnapshot = {
  posts_processed: 0,
  posts_total: 0,
  media_copied: 0,
  media_total: 0,
  status: "queued",
  error: null
}

/** Posts counted in the snapshot; the export is running. */
export interface Started {
  readonly _tag: "Started"
  readonly snapshot: ProgressSnapshot
}

/** Batch `batch` (1-based) of `posts` posts has been written by the sink. */
export interface BatchWritten {
  readonly _tag: "BatchWritten"
  readonly batch: number
  readonly posts: number
  readonly snapshot: ProgressSnapshot
}

/**
 * Media files have landed in the export: `snapshot.media_copied` of
 * `media_total`. Sent after the first file, then at most every
 * `MEDIA_EVENT_MILLIS` while files are copied, and once more when the media
 * are done (also when there were none).
 */
export interface MediaCopied {
  readonly _tag: "MediaCopied"
  readonly snapshot: ProgressSnapshot
}

/** Nothing else happened for a while; the export is still alive. */
export interface Heartbeat {
  readonly _tag: "Heartbeat"
  readonly snapshot: ProgressSnapshot
}

/** Published: `path` is the export directory, or the `.zip` file of a ZIP export. */
export interface Completed {
  readonly _tag: "Completed"
  readonly path: string
  readonly manifest: Manifest
  readonly snapshot: ProgressSnapshot
}

/** Failed; nothing was published. The stream then fails with the error. */
export interface Failed {
  readonly _tag: "Failed"
  readonly snapshot: ProgressSnapshot
}

export type ExportEvent = Started | BatchWritten | MediaCopied | Heartbeat | Completed | Failed

/** Time without events after which a heartbeat repeats the snapshot. */
export const HEARTBEAT_MILLIS = 5_000

/** Least time between two MediaCopied events while files are copied (a million small files stay quiet). */
export const MEDIA_EVENT_MILLIS = 100
