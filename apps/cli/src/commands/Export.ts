/**
 * The `skyporter export` handler. Loaded only when `export` runs (see
 * Cli.ts), with the core, the format plugins and the progress bar it needs.
 */
import {
  Accounts,
  Archive,
  Export,
  ExportFailed,
  FormatRegistry,
  InvalidRequest,
  type Manifest,
  Media,
  PluginLoader,
  PluginOptions
} from "@skyporter/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { existsSync, statSync } from "node:fs"
import * as path from "node:path"
import type { ExportFlags } from "../Cli.js"
import * as DidFlag from "../DidFlag.js"
import * as Formats from "../Formats.js"
import * as ProgressView from "../ProgressView.js"
import { published } from "../Published.js"

/** What stderr says when the archive holds no posts for `did`: the accounts it does hold. */
export const noPostsNotice = (did: string, accounts: ReadonlyArray<Accounts.Account>): string => {
  const head = `skyporter export: the archive holds no posts for ${did}; the export is empty.`
  const entries = DidFlag.accountEntries(accounts)
  if (typeof entries === "number") {
    return `${head}\nThe archive holds posts of ${entries} other accounts (check --did; ${DidFlag.LIST_HINT} lists them).\n`
  }
  if (entries.length === 0) return `${head}\nThe archive holds no posts at all.\n`
  return `${head}\nIt holds posts of:\n${entries.map((e) => `  ${e}`).join("\n")}\n`
}

/** Why media files were skipped, in words, per `missing_media` reason. */
const SKIPPED: Record<Manifest.MissingReason, (root: string) => string> = {
  not_found: (root) => `not found under ${root}`,
  not_regular: () => "not regular files",
  unreadable: () => "unreadable",
  outside_root: (root) => `outside the media root ${root}`,
  invalid_path: () => "with a file path that cannot be used",
  name_conflict: () => "named like a different file already in media/"
}

/**
 * What stderr says after an export that skipped media files: how many and
 * why, and when none was found, the likely cause. Empty when none was skipped.
 */
export const skippedMediaNotice = (manifest: Manifest.Manifest, root: string): string => {
  const skipped = manifest.missing_media
  if (skipped.length === 0) return ""
  const counts = new Map<Manifest.MissingReason, number>()
  for (const m of skipped) counts.set(m.reason, (counts.get(m.reason) ?? 0) + 1)
  const reasons = [...counts].map(([reason, n]) => `${n} ${SKIPPED[reason](root)}`)
  const head =
    `skyporter export: ${skipped.length} media file${skipped.length === 1 ? "" : "s"} skipped ` +
    `(listed in the manifest's missing_media): ${reasons.join("; ")}\n`
  const noneFound = manifest.media_count === 0 && counts.size === 1 && counts.has("not_found")
  return noneFound
    ? `${head}skyporter export: no media file was found: check --media-root (relative media paths start from it; default: the archive's folder)\n`
    : head
}

export const run = (flags: ExportFlags) =>
  Effect.gen(function* () {
    const mediaRoot = Option.getOrUndefined(flags.mediaRoot)
    if (mediaRoot !== undefined && !flags.media) {
      return yield* new InvalidRequest({
        field: "mediaRoot",
        message: "--media-root only applies with --media: add --media to copy the posts' media files"
      })
    }
    // Said before the archive is opened; exit 1 like a file in the way further up the path.
    const out = path.resolve(flags.out)
    if (existsSync(out) && !statSync(out).isDirectory()) {
      return yield* new ExportFailed({
        stage: "prepare",
        message:
          `cannot create the folder ${out}: a file is in the way (it is not a folder); ` +
          "--out must name a folder (created when missing)"
      })
    }
    const loaded = yield* Formats.load(flags.plugin, Option.getOrUndefined(flags.config))
    const format = loaded.registry.nameOf(flags.format)
    const options = PluginLoader.optionsFor(loaded, format, yield* Formats.parseOptions(flags.option))
    // Checked before Export.prepare (which checks again) for its one-line messages.
    yield* PluginOptions.decode(yield* loaded.registry.get(format), options)
    const did = yield* DidFlag.resolve(flags.db, flags.did)
    const prepared = yield* Export.prepare({
      did,
      format,
      options,
      since: Option.getOrUndefined(flags.since),
      until: Option.getOrUndefined(flags.until),
      out: flags.out,
      media: flags.media,
      mediaRoot,
      zip: flags.zip,
      batchSize: flags.batchSize,
      threads: Option.getOrUndefined(flags.threads),
      budgetBytes: Option.getOrUndefined(flags.budgetBytes)
    }).pipe(Effect.provideService(FormatRegistry.FormatRegistry, loaded.registry))
    const view = ProgressView.make({ quiet: flags.quiet, label: `${prepared.plugin.name}` })
    let posts = -1
    yield* Effect.gen(function* () {
      yield* Export.stream(prepared).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            view.update(event)
            // Printed in the same step that sees the event: once the path is
            // out, the export is a success whatever signal comes next.
            if (event._tag === "Completed") {
              view.stop()
              if (flags.media && !flags.quiet) {
                process.stderr.write(skippedMediaNotice(event.manifest, Media.rootOf(mediaRoot, flags.db)))
              }
              // With --json, the path too: a script cannot guess it (a second export in the same second gets `_2`).
              process.stdout.write(
                `${flags.json ? JSON.stringify({ path: event.path, ...event.manifest }) : event.path}\n`
              )
              published.value = true
              posts = event.manifest.post_count
            }
          })
        ),
        Effect.ensuring(Effect.sync(view.stop))
      )
      if (posts === 0) {
        const archive = yield* Archive.Archive
        const accounts = yield* archive.read(() => Accounts.list(archive.database))
        if (!accounts.some((a) => a.did === did)) {
          yield* Effect.sync(() => process.stderr.write(noPostsNotice(did, accounts)))
        }
      }
    }).pipe(Effect.provide(Archive.Archive.layer({ path: flags.db, did, media: flags.media })))
  }).pipe(
    // Last, once every temporary file is gone: a stopped export says so.
    Effect.onInterrupt(() =>
      Effect.sync(() => {
        if (!published.value) process.stderr.write("skyporter export: interrupted; nothing was published\n")
      })
    )
  )
