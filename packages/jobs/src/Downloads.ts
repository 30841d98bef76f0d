/**
 * Downloads in flight: counted per DID (at most `maxPerDid`) and per export
 * directory, each held by `Effect.acquireRelease` for as long as the
 * caller's scope stays open. An export deleted while downloads read it is
 * hidden at once and removed when the last of them ends.
 */
import { Effect, type Scope } from "effect"
import { TooManyDownloads } from "./Errors.js"
import type * as ExportId from "./ExportId.js"
import type * as Store from "./Store.js"

export interface Downloads {
  /** Counts one download of `published` until the scope closes; `sent` marks it complete, for `deleteAfter`. */
  readonly hold: (
    id: string,
    published: Store.Published,
    deleteAfter: boolean
  ) => Effect.Effect<{ readonly sent: Effect.Effect<void> }, TooManyDownloads, Scope.Scope>
  /** Deletes a published export now, or when the downloads reading it end; false when there was none. */
  readonly remove: (id: string, parts: ExportId.Parts) => Effect.Effect<boolean>
  /** Deleted (or being deleted): invisible to every operation. */
  readonly isHidden: (id: string) => boolean
}

export const make = (store: Store.Store, maxPerDid: number): Downloads => {
  const perDid = new Map<string, number>()
  const leases = new Map<string, { count: number; deleteWhenDone: boolean }>()
  const hidden = new Set<string>()

  const removeNow = (id: string, parts: ExportId.Parts) =>
    Effect.gen(function* () {
      hidden.add(id)
      const removed = yield* store.remove(parts)
      hidden.delete(id)
      return removed
    })

  const acquire = (published: Store.Published) =>
    Effect.suspend(() => {
      const count = perDid.get(published.did) ?? 0
      if (count >= maxPerDid) {
        return Effect.fail(
          new TooManyDownloads({
            limit: maxPerDid,
            message: `${published.did} already has ${maxPerDid} downloads in progress; wait for one to finish`
          })
        )
      }
      perDid.set(published.did, count + 1)
      const lease = leases.get(published.dir) ?? { count: 0, deleteWhenDone: false }
      lease.count++
      leases.set(published.dir, lease)
      return Effect.succeed(lease)
    })

  const release = (id: string, published: Store.Published, deleteNow: boolean) =>
    Effect.gen(function* () {
      const count = (perDid.get(published.did) ?? 1) - 1
      if (count === 0) perDid.delete(published.did)
      else perDid.set(published.did, count)
      const lease = leases.get(published.dir)!
      lease.count--
      if (deleteNow) {
        lease.deleteWhenDone = true
        hidden.add(id)
      }
      if (lease.count > 0) return
      leases.delete(published.dir)
      if (lease.deleteWhenDone) yield* removeNow(id, published)
    })

  return {
    hold: (id, published, deleteAfter) =>
      Effect.gen(function* () {
        let sent = false
        yield* Effect.acquireRelease(acquire(published), () => release(id, published, sent && deleteAfter))
        return {
          sent: Effect.sync(() => {
            sent = true
          })
        }
      }),
    remove: (id, parts) =>
      Effect.uninterruptible(
        Effect.suspend(() => {
          const lease = leases.get(store.dirOf(parts))
          if (lease !== undefined && lease.count > 0) {
            lease.deleteWhenDone = true
            hidden.add(id)
            return Effect.succeed(true)
          }
          return removeNow(id, parts)
        })
      ),
    isHidden: (id) => hidden.has(id)
  }
}
