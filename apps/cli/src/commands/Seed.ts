/** The `skyporter seed` handler, loaded only when `seed` runs (see Cli.ts). */
import { ArchiveError, describe, Did, ExportFailed, InvalidRequest, Progress } from "@skyporter/core"
import * as Synthetic from "@skyporter/synthetic"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ArchiveTarget from "../ArchiveTarget.js"
import type { SeedFlags } from "../Cli.js"
import * as ProgressView from "../ProgressView.js"

/** Out of room or unable to write: the archive's (SQLite's codes) or the media files' (errno codes). */
const WRITE_FAILURES = /^(SQLITE_FULL|SQLITE_IOERR|ENOSPC$|EDQUOT$|EFBIG$|EIO$|EROFS$)/

/** A failed seed: locked or out of disk is no fault of the flags (exit 1); the rest names the file (exit 2). */
const seedError = (db: string, e: unknown) => {
  const code = String((e as { code?: unknown }).code ?? "")
  if (code.startsWith("SQLITE_BUSY")) {
    return new ArchiveError({ reason: "Locked", path: db, message: `cannot seed ${db}: ${describe(e)}` })
  }
  if (WRITE_FAILURES.test(code)) {
    return new ExportFailed({ stage: "write", message: `cannot seed ${db}: ${describe(e)}` })
  }
  const text = describe(e)
  return new InvalidRequest({ field: "db", message: text.includes(db) ? text : `cannot seed ${db}: ${text}` })
}

export const run = (flags: SeedFlags) =>
  Effect.gen(function* () {
    if (!(flags.posts >= 0 && flags.posts <= 100_000_000)) {
      return yield* new InvalidRequest({
        field: "posts",
        message: `invalid --posts ${flags.posts}: expected a whole number from 0 to 100000000`
      })
    }
    const did = Option.getOrUndefined(flags.did)
    if (did !== undefined) yield* Did.validate(did)
    const mediaRoot = Option.getOrUndefined(flags.mediaRoot)
    yield* ArchiveTarget.check("seed", flags.db)
    const started = Date.now()
    // Seeding runs synchronously: each commit's report is drawn as it comes (a terminal's
    // line is written at once; elsewhere a line a second at most).
    const view = ProgressView.make({ quiet: false, label: "seed" })
    let batch = 0
    const progress = (written: number, total: number) => {
      const snapshot = { ...Progress.initial, status: "running" as const, posts_total: total, posts_processed: written }
      view.update(
        batch++ === 0 ? { _tag: "Started", snapshot } : { _tag: "BatchWritten", batch, posts: written, snapshot }
      )
    }
    const result = yield* Effect.try({
      try: () =>
        Synthetic.seedArchive(flags.db, {
          posts: flags.posts,
          seed: flags.seed,
          ...(did ? { did } : {}),
          ...(mediaRoot === undefined ? {} : { mediaRoot }),
          onProgress: progress
        }),
      catch: (e) => seedError(flags.db, e)
    }).pipe(Effect.ensuring(Effect.sync(() => view.stop())))
    const files =
      mediaRoot === undefined
        ? ""
        : `; ${result.mediaFiles} media files in ${mediaRoot}, ${result.missingMediaFiles} left missing`
    yield* Console.error(
      `seeded ${result.posts} post${result.posts === 1 ? "" : "s"} for ${result.did} (+${result.otherPosts} of other accounts, ` +
        `${result.mediaRows} media rows${files}) in ${((Date.now() - started) / 1000).toFixed(1)}s`
    )
    yield* Console.log(result.did)
  })
