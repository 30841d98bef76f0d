/**
 * `skyporter import --car FILE --db ARCHIVE [--blobs DIR] [--prune]`: a
 * Bluesky repository export (CAR) into a bskyarchive archive. The command
 * and its flags load with the command tree; the handler loads
 * @skyporter/car, the core and the progress view only when `import` runs
 * (only types are imported statically).
 *
 * Exit codes: 0 imported · 1 the archive could not be written (locked, disk
 * full; left as it was) · 2 unreadable input (the CAR, --blobs, or a --db
 * that is not an archive, or that cannot be made or written where it is named)
 * · 130 interrupted by SIGINT or SIGTERM before the archive committed (left
 * as it was; a new archive is not created).
 */
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Option from "effect/Option"
import type { CarInvalid, Import, ImportFailed } from "@skyporter/car"
import { existsSync, statSync } from "node:fs"
import * as path from "node:path"

const flags = {
  car: Flag.String("car").pipe(
    Flag.withDescription(
      "The repository export to read: a CAR file (Settings → Export my data, or com.atproto.sync.getRepo)"
    )
  ),
  db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive archive to add the posts to (created when absent)")),
  blobs: Flag.String("blobs").pipe(
    Flag.withDescription(
      "A folder of blob files named by CID (goat blob export): images are copied into media/ beside the archive"
    ),
    Flag.optional
  ),
  prune: Flag.Boolean("prune").pipe(
    Flag.withDescription("Remove the account's archived posts that the repository no longer holds (deleted since)"),
    Flag.withDefault(false)
  ),
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("Print the import summary as JSON on stdout"),
    Flag.withDefault(false)
  ),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("Print nothing but errors"), Flag.withDefault(false)),
  // Posts per transaction step and progress report: small ones let tests interrupt an import part-way.
  batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden)
}
export type ImportFlags = Command.Command.Config.Infer<typeof flags>

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** Errors of the import as the CLI reports them: exit 2 for unreadable input, 1 for a failed write. */
const toCliError = (core: typeof import("@skyporter/core"), db: string) => (e: CarInvalid | ImportFailed) =>
  e._tag === "CarInvalid"
    ? new core.InvalidRequest({ field: "car", message: e.message })
    : e.reason === "locked"
      ? new core.ArchiveError({ reason: "Locked", path: db, message: e.message })
      : e.reason === "not_archive"
        ? new core.ArchiveError({ reason: "NotArchive", path: db, message: e.message })
        : new core.ExportFailed({ stage: "write", message: e.message })

const lines = (s: Import.Summary, db: string, blobsGiven: boolean): Array<string> => {
  const skipped = Object.entries(s.skipped)
  const out = [
    `imported ${s.did} (commit ${s.rev || s.commit}): ${plural(
      s.posts,
      "post"
    )} — ${s.inserted} new, ${s.updated} changed, ` +
      `${s.unchanged} unchanged; ${plural(s.records - s.posts, "other record")} skipped` +
      (skipped.length > 0 ? ` (${skipped.map(([c, n]) => `${c} ${n}`).join(", ")})` : ""),
    "like, repost, reply and quote counts are not in a repository: imported posts have 0"
  ]
  if (s.media_rows > 0) {
    const media = path.join(path.dirname(db), "media")
    const images = `${plural(s.media_rows, "image")}: `
    if (!blobsGiven) {
      // Nothing was looked for: the files not already in media/ are not "not found".
      out.push(
        images +
          (s.blobs.present === 0
            ? "no blob files copied, as no --blobs folder was given (an export with --media lists them as missing)"
            : `${plural(s.blobs.present, "blob file")} already in ${media}` +
              (s.blobs.absent > 0
                ? `; the other ${s.blobs.absent} not copied, as no --blobs folder was given ` +
                  "(an export with --media lists those as missing)"
                : ""))
      )
    } else {
      out.push(
        images +
          `${s.blobs.copied} blob files copied into ${media}, ${s.blobs.present} already there, ` +
          `${s.blobs.absent} not found` +
          (s.blobs.mismatch > 0 ? `, ${s.blobs.mismatch} not matching their CID (not copied)` : "") +
          (s.blobs.absent + s.blobs.mismatch > 0 ? " (an export with --media lists those as missing)" : "")
      )
    }
  }
  if (s.deleted_since > 0) {
    out.push(
      s.pruned > 0
        ? `${plural(s.pruned, "archived post")} no longer in the repository removed (--prune)`
        : `${plural(s.deleted_since, "archived post")} no longer in the repository (deleted since): kept; ` +
            `--prune removes them: ${s.deleted_uris.slice(0, 5).join(" ")}${s.deleted_since > 5 ? " …" : ""}`
    )
  }
  if (s.warnings.count > 0) {
    out.push(`${plural(s.warnings.count, "warning")}:`, ...s.warnings.messages.map((m) => `  ${m}`))
  }
  return out
}

const run = (input: ImportFlags) =>
  Effect.gen(function* () {
    const [{ Import }, core, ArchiveTarget, ProgressView, { published }] = yield* Effect.promise(() =>
      Promise.all([
        import("@skyporter/car"),
        import("@skyporter/core"),
        import("../ArchiveTarget.js"),
        import("../ProgressView.js"),
        import("../Published.js")
      ])
    )
    if (input.batchSize < 1) {
      return yield* new core.InvalidRequest({
        field: "batch-size",
        message: `--batch-size ${input.batchSize}: it must be 1 or more`
      })
    }
    // Before the "verifying" line: a missing file, a directory or a device is a wrong flag, not a damaged CAR.
    const car = statSync(input.car, { throwIfNoEntry: false })
    if (car?.isFile() !== true) {
      return yield* new core.InvalidRequest({
        field: "car",
        message:
          `--car ${input.car} ${car === undefined ? "does not exist" : car.isDirectory() ? "is a directory" : "is not a file"}: ` +
          "it must name a CAR file, a repository export (Settings → Export my data, or com.atproto.sync.getRepo)"
      })
    }
    const blobs = Option.getOrUndefined(input.blobs)
    if (blobs !== undefined) {
      let isDir = false
      try {
        isDir = statSync(blobs).isDirectory()
      } catch {
        // reported below
      }
      if (!isDir) {
        return yield* new core.InvalidRequest({
          field: "blobs",
          message: `--blobs ${blobs} is not a directory: it must name a folder of blob files named by CID (goat blob export)`
        })
      }
    }
    const db = path.resolve(input.db)
    const existed = existsSync(db)
    const interrupted = Effect.sync(() => {
      if (!published.value) {
        process.stderr.write(
          `skyporter import: interrupted; ${existed ? `${db} was left as it was` : `no archive was created at ${db}`}\n`
        )
      }
    })
    // The check waits for a locked archive: a signal can end the import there too.
    yield* ArchiveTarget.check("import", db).pipe(Effect.onInterrupt(() => interrupted))
    const quiet = input.quiet || input.json
    if (!quiet) process.stderr.write(`import: verifying ${input.car} (${(car.size / 2 ** 20).toFixed(1)} MB)…\n`)
    const started = Date.now()
    // Made when writing starts (the first report, 0 posts), so that its rate and ETA count the
    // writing, not the verifying; the first batch then opens the line.
    let view: ReturnType<typeof ProgressView.make> | undefined
    // The search for posts deleted since, once every post is written: a line of its own.
    let checking: ReturnType<typeof ProgressView.make> | undefined
    let batch = 0
    const request = { car: input.car, db, blobs, prune: input.prune, batch: input.batchSize }
    const summary = yield* Import.run(request, (p) => {
      // The archive holds the import from here: a signal after this ends a finished run (exit 0).
      if (p.committed) {
        published.value = true
        return
      }
      if (view === undefined) {
        view = ProgressView.make({ quiet, label: "import" })
        return
      }
      if (p.checked !== undefined) {
        const snapshot = {
          ...core.Progress.initial,
          status: "running" as const,
          posts_total: p.check_total ?? p.checked,
          posts_processed: p.checked
        }
        if (checking === undefined) {
          view.stop()
          checking = ProgressView.make({ quiet, label: "checking for posts deleted since" })
          checking.update({ _tag: "Started", snapshot })
        } else checking.update({ _tag: "BatchWritten", batch, posts: p.checked, snapshot })
        return
      }
      const snapshot = {
        ...core.Progress.initial,
        status: "running" as const,
        posts_total: p.posts_total,
        posts_processed: p.posts_done
      }
      view.update(
        batch === 0 ? { _tag: "Started", snapshot } : { _tag: "BatchWritten", batch, posts: p.posts_done, snapshot }
      )
      batch++
    }).pipe(
      Effect.mapError(toCliError(core, db)),
      Effect.ensuring(
        Effect.sync(() => {
          view?.stop()
          checking?.stop()
        })
      ),
      Effect.onInterrupt(() => interrupted)
    )
    const seconds = (Date.now() - started) / 1000
    if (input.json) {
      process.stdout.write(`${JSON.stringify({ archive: db, seconds, ...summary })}\n`)
      return
    }
    if (!input.quiet) {
      const rate = seconds > 0 ? Math.round(summary.posts / seconds) : summary.posts
      process.stderr.write(
        [...lines(summary, db, blobs !== undefined), `done in ${seconds.toFixed(1)}s (${rate} posts/s)`]
          .map((l) => `${l}\n`)
          .join("")
      )
    }
    process.stdout.write(`${db}\n`)
  })

export const command = Command.make("import", flags, run).pipe(
  Command.withDescription("Import a Bluesky repository export (CAR file) into an archive, to export it like any other")
)
