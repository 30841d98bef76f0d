/**
 * `Import.run`: a repository CAR into a bskyarchive archive. The CAR is
 * read and verified in full (blocks, commit, tree) before the archive is
 * opened; the posts are then written in one transaction, so the archive
 * either gains the whole import or stays exactly as it was.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as path from "node:path"
import * as BlobFiles from "./BlobFiles.js"
import { CarInvalid, DidMismatch, ImportFailed } from "./Errors.js"
import { ArchiveWriter, ArchiveWriterError } from "./internal/ArchiveWriter.js"
import * as PostRecord from "./PostRecord.js"
import * as RepoCar from "./RepoCar.js"
import * as Rev from "./Rev.js"

export const POST_COLLECTION = "app.bsky.feed.post"

/** Posts written between two progress reports (and two chances to interrupt). */
export const BATCH = 1_000

export interface Request {
  readonly car: string
  readonly db: string
  /** A folder of blob files named by CID (`goat blob export`). */
  readonly blobs?: string | undefined
  /** Remove the account's archived posts that the repository no longer holds. */
  readonly prune?: boolean | undefined
  /** Posts written between two progress reports (default `BATCH`). */
  readonly batch?: number | undefined
}

export interface Progress {
  readonly posts_done: number
  readonly posts_total: number
  /** True once, in the report made right after the archive committed the import. */
  readonly committed: boolean
  /**
   * Present only while, all posts written, the import looks for archived
   * posts the repository no longer holds: how many of the account's archived
   * posts it has looked at, of `check_total`.
   */
  readonly checked?: number
  readonly check_total?: number
}

/** What an import did. Field names are the CLI's `--json` output. */
export interface Summary {
  readonly did: string
  readonly commit: string
  readonly rev: string
  readonly car_bytes: number
  readonly blocks: number
  readonly records: number
  readonly posts: number
  /** Records of other collections, counted and skipped. */
  readonly skipped: Record<string, number>
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  /** Archived posts of this account that the repository no longer holds. */
  readonly deleted_since: number
  readonly deleted_uris: ReadonlyArray<string>
  readonly pruned: number
  readonly media_rows: number
  readonly blobs: {
    readonly copied: number
    readonly present: number
    readonly absent: number
    readonly mismatch: number
  }
  readonly warnings: { readonly count: number; readonly messages: ReadonlyArray<string> }
  /** `indexed_at` and `archived_at` of written rows. */
  readonly stamped: { readonly indexed_at: string; readonly archived_at: string }
}

const MAX_LISTED = 20

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const failed = (e: unknown): ImportFailed | CarInvalid =>
  e instanceof CarInvalid
    ? e
    : e instanceof ArchiveWriterError
      ? new ImportFailed({ reason: e.reason, message: e.message })
      : new ImportFailed({
          reason: "write",
          message: `the import failed and the archive was left as it was: ${describe(e)}`
        })

/**
 * Runs an import; `onProgress` sees 0 posts as writing starts, the posts
 * written so far after each batch (and, all written, again between stretches
 * of the search for posts deleted since), and once more (`committed`) as soon
 * as the archive holds the import.
 */
export const run = (
  request: Request,
  onProgress?: (progress: Progress) => void
): Effect.Effect<Summary, CarInvalid | ImportFailed> =>
  // Without an account to hold to, DidMismatch cannot happen.
  execute(request, undefined, onProgress) as Effect.Effect<Summary, CarInvalid | ImportFailed>

/**
 * An import of `did`'s repository only (a server's account-bound caller): a
 * CAR of another account fails with `DidMismatch` before the archive is opened.
 */
export const runFor = (
  did: string,
  request: Request,
  onProgress?: (progress: Progress) => void
): Effect.Effect<Summary, CarInvalid | ImportFailed | DidMismatch> => execute(request, did, onProgress)

const execute: (
  request: Request,
  only: string | undefined,
  onProgress?: (progress: Progress) => void
) => Effect.Effect<Summary, CarInvalid | ImportFailed | DidMismatch> = Effect.fn("Import.run")(function* (
  request: Request,
  only: string | undefined,
  onProgress?: (progress: Progress) => void
) {
  const car = yield* Effect.acquireRelease(RepoCar.open(request.car), (opened) => Effect.promise(() => opened.close()))
  const did = car.commit.did
  if (only !== undefined && did !== only) {
    return yield* new DidMismatch({
      expected: only,
      found: did,
      message: `the uploaded repository is ${did}'s, but this token may import only ${only}'s: nothing was written`
    })
  }
  const expected = car.estimatedPosts
  const stamps = Rev.stamps(car.commit.rev, new Date())

  const dbPath = path.resolve(request.db)
  const created = !fs.existsSync(dbPath)
  const blobs = BlobFiles.make(request.blobs, path.dirname(dbPath))
  // Interrupted while it waits for a lock, a new archive goes too.
  const writer = yield* ArchiveWriter.begin(dbPath, created).pipe(
    Effect.mapError(failed),
    Effect.onError(() => Effect.sync(() => created && removeDatabase(dbPath)))
  )

  const outcome = { copied: 0, present: 0, absent: 0, mismatch: 0 }
  const warnings: Array<string> = []
  let warningCount = 0
  let changed = 0
  let mediaRows = 0
  let done = 0
  // Counted by the walk itself: the tree is checked as the posts are written.
  const counts = new Map<string, number>()

  const work = Effect.gen(function* () {
    const before = yield* Effect.try({ try: () => writer.postCount(did), catch: failed })
    const batch = Math.max(1, Math.floor(request.batch ?? BATCH))
    // Writing starts: a rate and ETA are measured from here, not from before the file was verified.
    onProgress?.({ posts_done: 0, posts_total: expected, committed: false })
    const entries = car.entries()[Symbol.iterator]()
    let finished = false
    while (!finished) {
      finished = yield* Effect.try({
        try: () => {
          let inBatch = 0
          // Other records are bounded too (10 × batch a step): a repository of mostly likes still yields to signals.
          let others = 0
          while (inBatch < batch && others < batch * 10) {
            const next = entries.next()
            if (next.done === true) return true
            const entry = next.value
            counts.set(entry.collection, (counts.get(entry.collection) ?? 0) + 1)
            if (entry.collection !== POST_COLLECTION) {
              others++
              continue
            }
            const mapped = PostRecord.map(did, entry.rkey, entry.cid.toString(), car.record(entry), stamps)
            for (const w of mapped.warnings) {
              warningCount++
              if (warnings.length < MAX_LISTED) warnings.push(w)
            }
            changed += writer.write(mapped.post, mapped.media).changed
            for (const m of mapped.media) {
              mediaRows++
              outcome[blobs.place(m)]++
            }
            inBatch++
            done++
          }
          return false
        },
        catch: failed
      })
      onProgress?.({ posts_done: done, posts_total: finished ? done : Math.max(expected, done), committed: false })
      yield* Effect.yieldNow
    }
    const added = yield* Effect.try({ try: () => writer.postCount(did) - before, catch: failed })
    // Archived posts of the account that the walk did not meet: looked for only when the counts say
    // there are some, a stretch at a time (a large archive's take seconds), deleted as found with prune.
    let unseen = { missed: 0, first: [] as ReadonlyArray<string> }
    if (before - (done - added) > 0) {
      const walk = yield* Effect.try({
        try: () => writer.unseen(did, postUris(car, did), { listed: MAX_LISTED, prune: request.prune === true }),
        catch: failed
      })
      const report = () =>
        onProgress?.({
          posts_done: done,
          posts_total: done,
          committed: false,
          checked: walk.checked,
          check_total: walk.total
        })
      report()
      while (!(yield* Effect.try({ try: () => walk.step(batch * 10), catch: failed }))) {
        report()
        yield* Effect.yieldNow
      }
      report()
      unseen = walk
    }
    yield* writer.commit().pipe(Effect.mapError(failed))
    onProgress?.({ posts_done: done, posts_total: done, committed: true })
    const inserted = added
    const posts = done
    const skipped: Record<string, number> = {}
    for (const [collection, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (collection !== POST_COLLECTION) skipped[collection] = n
    }
    return {
      did,
      commit: car.commit.cid,
      rev: car.commit.rev,
      car_bytes: car.bytes,
      blocks: car.blocks,
      records: [...counts.values()].reduce((a, b) => a + b, 0),
      posts,
      skipped,
      inserted,
      updated: changed - inserted,
      unchanged: posts - changed,
      deleted_since: unseen.missed,
      deleted_uris: unseen.first,
      pruned: request.prune === true ? unseen.missed : 0,
      media_rows: mediaRows,
      blobs: outcome,
      warnings: { count: warningCount, messages: warnings },
      stamped: { indexed_at: stamps.indexedAt, archived_at: stamps.archivedAt }
    } satisfies Summary
  })

  return yield* work.pipe(
    Effect.onExit((exit) =>
      Effect.sync(() => {
        if (Exit.isSuccess(exit)) return
        writer.close()
        blobs.undo()
        if (created) removeDatabase(dbPath)
      })
    )
  )
}, Effect.scoped)

/** The URIs of the CAR's posts, in key order (which is their UTF-8 byte order). */
/** The repository's post URIs in order, and `undefined` for each other record (a step of the walk too). */
function* postUris(car: RepoCar.RepoCar, did: string): Generator<string | undefined> {
  for (const entry of car.entries()) {
    yield entry.collection === POST_COLLECTION ? `at://${did}/${POST_COLLECTION}/${entry.rkey}` : undefined
  }
}

/** A database file this import created, and its journal, removed after a failure. */
const removeDatabase = (file: string): void => {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true })
}
