/**
 * One page of the export list: published directories and live jobs of the
 * caller's DIDs, newest first, after the cursor of the previous page.
 */
import { InvalidRequest } from "@skyporter/core"
import { Effect } from "effect"
import type * as Downloads from "./Downloads.js"
import * as ExportId from "./ExportId.js"
import * as Job from "./Job.js"
import type { Access, ExportItem, ListPage, ListRequest } from "./Model.js"
import type * as Store from "./Store.js"

/** What a page is read from: the disk and the manager's jobs. */
export interface Sources {
  readonly store: Store.Store
  readonly downloads: Downloads.Downloads
  /** Queued, running, failed and cancelled jobs. */
  readonly jobs: ReadonlyMap<string, Job.Job>
  /** Recently completed jobs, by id. */
  readonly completed: ReadonlyMap<string, Job.Job>
}

const itemOf = (sources: Sources, id: string, parts: ExportId.Parts) =>
  Effect.gen(function* () {
    const job = sources.jobs.get(id)
    if (job) return Job.item(job)
    const published = yield* sources.store.read(parts)
    return published === undefined ? undefined : Job.publishedItem(id, published, sources.completed.get(id)?.startedAt)
  })

export const page = (sources: Sources, request: ListRequest, access: Access) =>
  Effect.gen(function* () {
    const empty: ListPage = { items: [], nextCursor: null }
    if (access.did !== "*" && request.did !== undefined && request.did !== access.did) return empty
    const did = access.did === "*" ? request.did : access.did
    let after: { key: string; id: string } | undefined
    if (request.cursor !== undefined) {
      const parts = ExportId.decode(request.cursor)
      if (parts === undefined) {
        return yield* new InvalidRequest({
          field: "cursor",
          message: "invalid cursor: pass the next_cursor of the previous page unchanged"
        })
      }
      after = { key: ExportId.sortKey(parts.name), id: request.cursor }
    }
    const candidates = new Map<string, ExportId.Parts>()
    for (const parts of yield* sources.store.names(did)) candidates.set(ExportId.encode(parts), parts)
    for (const job of sources.jobs.values()) {
      if (did === undefined || job.parts.did === did) candidates.set(job.id, job.parts)
    }
    const ordered = [...candidates]
      .filter(([id]) => !sources.downloads.isHidden(id))
      .map(([id, parts]) => ({ id, parts, key: ExportId.sortKey(parts.name) }))
      .sort((a, b) => (a.key === b.key ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.key < b.key ? 1 : -1))
      .filter((c) => after === undefined || c.key < after.key || (c.key === after.key && c.id < after.id))
    const items: Array<ExportItem> = []
    let i = 0
    for (; i < ordered.length && items.length < request.limit; i++) {
      const item = yield* itemOf(sources, ordered[i]!.id, ordered[i]!.parts)
      if (item !== undefined) items.push(item)
    }
    return { items, nextCursor: i < ordered.length && items.length > 0 ? items[items.length - 1]!.id : null }
  })
