/** The `skyporter serve` handler, loaded only when `serve` runs (see Cli.ts). */
import { ExportFailed, PluginLoader } from "@skyporter/core"
import { Server } from "@skyporter/server"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ServeFlags } from "../Cli.js"
import * as Formats from "../Formats.js"

export const run = (flags: ServeFlags) =>
  Effect.gen(function* () {
    const loaded = yield* Formats.load(flags.plugin, Option.getOrUndefined(flags.config))
    yield* Server.run({
      db: flags.db,
      out: flags.out,
      host: flags.host,
      port: flags.port,
      authFile: Option.getOrUndefined(flags.auth),
      maxRunning: flags.maxRunning,
      mediaRoot: Option.getOrUndefined(flags.mediaRoot),
      maxUpload: flags.maxUpload,
      registry: loaded.registry,
      formatOptions: (format) => PluginLoader.optionsFor(loaded, format),
      batchSize: flags.batchSize,
      threads: Option.getOrUndefined(flags.threads),
      keepAliveMillis: flags.keepAliveMs,
      uploadIdleMillis: flags.uploadIdleMs,
      onListening: (url) => process.stdout.write(`${url}\n`),
      log: (line) => process.stderr.write(`${line}\n`)
    }).pipe(
      // A port in use is no fault of the command line: exit 1, as the CLI's other failures.
      Effect.catchTag("ListenFailed", (e) => Effect.fail(new ExportFailed({ stage: "prepare", message: e.message })))
    )
  })
