/**
 * The `skyporter export` handler. Loaded only when `export` runs (see
 * Cli.ts), with the core, the format plugins and the progress bar it needs.
 */
import { Archive, Export, FormatRegistry, InvalidRequest, PluginLoader, PluginOptions } from "@skyporter/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ExportFlags } from "../Cli.js"
import * as Formats from "../Formats.js"
import * as ProgressView from "../ProgressView.js"
import { published } from "../Published.js"

export const run = (flags: ExportFlags) =>
  Effect.gen(function*() {
    const mediaRoot = Option.getOrUndefined(flags.mediaRoot)
    if (mediaRoot !== undefined && !flags.media) {
      return yield* new InvalidRequest({
        field: "mediaRoot",
        message: "--media-root only applies with --media: add --media to copy the posts' media files"
      })
    }
    const loaded = yield* Formats.load(flags.plugin, Option.getOrUndefined(flags.config))
    const options = PluginLoader.optionsFor(loaded, flags.format, yield* Formats.parseOptions(flags.option))
    // Checked before Export.prepare (which checks again) for its one-line messages.
    yield* PluginOptions.decode(yield* loaded.registry.get(flags.format), options)
    const prepared = yield* Export.prepare({
      did: flags.did,
      format: flags.format,
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
    yield* Export.stream(prepared).pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          view.update(event)
          // Printed in the same step that sees the event: once the path is
          // out, the export is a success whatever signal comes next.
          if (event._tag === "Completed") {
            view.stop()
            process.stdout.write(`${flags.json ? JSON.stringify(event.manifest) : event.path}\n`)
            published.value = true
          }
        })
      ),
      Effect.ensuring(Effect.sync(view.stop)),
      Effect.provide(Archive.Archive.layer({ path: flags.db }))
    )
  })
