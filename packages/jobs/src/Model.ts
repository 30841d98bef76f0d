/**
 * The job manager's public shapes: who asks (`Access`), what is asked
 * (`SubmitInput`, `ListRequest`), what frontends show (`ExportItem`,
 * `JobEvent`) and the operations (`JobManagerShape`). Field names of
 * `ExportItem` are the wire format.
 */
import type { InvalidRequest, Manifest, Progress } from "@skyporter/core"
import type { Effect, Scope, Stream } from "effect"
import type {
  ExportInProgress,
  ExportNotCompleted,
  ExportNotFound,
  Forbidden,
  ShuttingDown,
  TooManyDownloads
} from "./Errors.js"

/** Who is asking: an account (`did`) or everyone (`"*"`). */
export interface Access {
  readonly did: string
}

/** Full access, for a server without authentication. */
export const ALL: Access = { did: "*" }

export const canSee = (access: Access, did: string): boolean => access.did === "*" || access.did === did

export interface SubmitInput {
  readonly did: string
  readonly format: string
  readonly since?: string | undefined
  readonly until?: string | undefined
  /** Copy the posts' media files into the export. */
  readonly includeMedia?: boolean | undefined
}

/** Final statuses: the job's last event. */
export type FinalType = "completed" | "failed" | "cancelled"

export interface JobEvent {
  /** 1, 2, 3, … per job. */
  readonly seq: number
  readonly type: "progress" | FinalType
  readonly snapshot: Progress.ProgressSnapshot
}

/** An export as frontends show it. Field names are the wire format. */
export interface ExportItem {
  readonly id: string
  readonly did: string
  readonly format: string
  readonly status: Progress.Status
  /** When it was requested (its directory's name), RFC 3339 UTC to the second. */
  readonly created_at: string
  readonly started_at: string | null
  readonly completed_at: string | null
  /** From the manifest, once completed. */
  readonly post_count: number | null
  readonly media_count: number | null
  readonly size_bytes: number | null
  readonly date_range: { readonly since: string | null; readonly until: string | null }
  readonly progress: Progress.ProgressSnapshot
  /** Only on a single completed export (`get`). */
  readonly manifest?: Manifest.Manifest
}

export interface ListRequest {
  readonly did?: string | undefined
  /** 1 to 100. */
  readonly limit: number
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined
}

export interface ListPage {
  /** Newest first. */
  readonly items: ReadonlyArray<ExportItem>
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

export interface Download {
  readonly id: string
  readonly did: string
  /** The directory's name (`YYYY-MM-DD_HH-MM-SS`). */
  readonly name: string
  /** The export directory, to stream. */
  readonly dir: string
  readonly manifest: Manifest.Manifest
  /**
   * Call once every byte reached the client. With `deleteAfter`, the export
   * is then deleted when the download's scope closes (after any other
   * download of it ends); without this call it never is.
   */
  readonly sent: Effect.Effect<void>
}

export interface Config {
  /** The output folder (`<out>/<did>/<name>/`). */
  readonly out: string
  /** Options for a format (from a config file), by format name. */
  readonly formatOptions?: ((format: string) => unknown) | undefined
  /** Exports running at once (default 2). */
  readonly maxRunning?: number | undefined
  /** Downloads in flight per DID (default 10). */
  readonly maxDownloadsPerDid?: number | undefined
  /** With include_media: the folder media paths resolve against (default: the archive's folder). */
  readonly mediaRoot?: string | undefined
  /** Failed exports remembered for display (default 100; they are not on disk). */
  readonly keepFailed?: number | undefined
  /** Least time between two progress events of a job (default 100 ms; the final event is never held back). */
  readonly progressIntervalMillis?: number | undefined
  /** Passed to the core (tests use small batches for many progress events). */
  readonly batchSize?: number | undefined
  /** Threads each export reads and encodes on (default: the cores available, at most 4). */
  readonly threads?: number | undefined
  /** One line per job transition (queued, started, completed, failed, cancelled). */
  readonly log?: ((line: string) => void) | undefined
}

export interface JobManagerShape {
  readonly submit: (
    input: SubmitInput,
    access: Access
  ) => Effect.Effect<ExportItem, InvalidRequest | ExportInProgress | Forbidden | ShuttingDown>
  readonly list: (request: ListRequest, access: Access) => Effect.Effect<ListPage, InvalidRequest>
  readonly get: (id: string, access: Access) => Effect.Effect<ExportItem, ExportNotFound>
  /**
   * The job's events after `lastEventId` (0 or undefined: from its newest
   * event, the current state), ending after the final event. After the end
   * and without `lastEventId`, the final event alone.
   */
  readonly watch: (
    id: string,
    access: Access,
    lastEventId?: number | undefined
  ) => Effect.Effect<Stream.Stream<JobEvent>, ExportNotFound>
  /** Cancels a queued or running export (waiting for its cleanup), or deletes a finished one. */
  readonly remove: (id: string, access: Access) => Effect.Effect<void, ExportNotFound>
  /** A completed export to stream, counted against the DID's download limit while the scope is open. */
  readonly download: (
    id: string,
    access: Access,
    options?: { readonly deleteAfter?: boolean | undefined }
  ) => Effect.Effect<Download, ExportNotFound | ExportNotCompleted | TooManyDownloads, Scope.Scope>
  /** Cancels every queued and running export and refuses new ones; waits for the cleanup. */
  readonly shutdown: Effect.Effect<void>
  /**
   * Runs `effect` (a write to the archive) once no export is running, and
   * keeps queued exports waiting until it ends; exports requested meanwhile
   * queue as usual.
   */
  readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ShuttingDown, R>
}
