/**
 * A job in memory, from request to its final event, and how jobs and
 * published exports are shown to frontends (`ExportItem`).
 */
import type { Export, Manifest } from "@skyporter/core"
import { Progress } from "@skyporter/core"
import type { Fiber } from "effect"
import { Effect } from "effect"
import * as EventLog from "./EventLog.js"
import * as ExportId from "./ExportId.js"
import type { ExportItem } from "./Model.js"
import type * as Store from "./Store.js"

export interface Job {
  readonly id: string
  parts: ExportId.Parts
  readonly format: string
  readonly dateRange: { readonly since: string | null; readonly until: string | null }
  readonly prepared: Export.PreparedRequest
  status: Progress.Status
  /** The newest numbers, whether or not an event has carried them yet. */
  snapshot: Progress.ProgressSnapshot
  startedAt: string | null
  readonly events: EventLog.EventLog
  fiber: Fiber.Fiber<void> | undefined
  /** Set by `remove` before interrupting: the job disappears instead of staying as cancelled. */
  removed: boolean
}

export const make = (parts: ExportId.Parts, prepared: Export.PreparedRequest): Effect.Effect<Job> =>
  Effect.map(EventLog.make, (events) => ({
    id: ExportId.encode(parts),
    parts,
    format: prepared.plugin.name,
    dateRange: prepared.range.requested,
    prepared,
    status: "queued",
    snapshot: Progress.initial,
    startedAt: null,
    events,
    fiber: undefined,
    removed: false
  }))

export const isActive = (job: Job): boolean => job.status === "queued" || job.status === "running"

/** Records the job's newest snapshot and sends it to watchers. */
export const emit = (
  job: Job,
  type: "progress" | "completed" | "failed" | "cancelled",
  snapshot: Progress.ProgressSnapshot
) =>
  Effect.suspend(() => {
    job.snapshot = snapshot
    return job.events.emit(type, snapshot)
  })

export const sameProgress = (a: Progress.ProgressSnapshot, b: Progress.ProgressSnapshot): boolean =>
  a.posts_processed === b.posts_processed &&
  a.posts_total === b.posts_total &&
  a.media_copied === b.media_copied &&
  a.media_total === b.media_total &&
  a.status === b.status

/** The snapshot of a published export, for watchers that come after the job left memory. */
export const publishedSnapshot = (manifest: Manifest.Manifest): Progress.ProgressSnapshot => ({
  posts_processed: manifest.post_count,
  posts_total: manifest.post_count,
  media_copied: manifest.media_count,
  media_total: manifest.media_count,
  status: "completed",
  error: null
})

export const item = (job: Job): ExportItem => ({
  id: job.id,
  did: job.parts.did,
  format: job.format,
  status: job.status,
  created_at: ExportId.createdAt(job.parts.name),
  started_at: job.startedAt,
  completed_at: null,
  post_count: null,
  media_count: null,
  size_bytes: null,
  date_range: job.dateRange,
  progress: job.snapshot
})

export const publishedItem = (id: string, p: Store.Published, startedAt: string | null = null): ExportItem => ({
  id,
  did: p.did,
  format: p.manifest.export_format,
  status: "completed",
  created_at: ExportId.createdAt(p.name),
  started_at: startedAt ?? p.manifest.export_timestamp,
  completed_at: p.completedAt,
  post_count: p.manifest.post_count,
  media_count: p.manifest.media_count,
  size_bytes: p.sizeBytes,
  date_range: p.manifest.date_range,
  progress: publishedSnapshot(p.manifest)
})
