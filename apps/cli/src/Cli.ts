/**
 * The `skyporter` command tree. A thin frontend: it parses flags, wires the
 * core's layers together and renders progress; the work is in the packages.
 */
import { Archive, Did, Export, FormatRegistry, InvalidRequest, PluginLoader, PluginOptions } from "@skyporter/core"
import { Server } from "@skyporter/server"
import { Synthetic } from "@skyporter/testkit"
import { Console, Effect, Option, Stream } from "effect"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as TerminalCapabilities from "effect/cli/TerminalCapabilities"
import { createRequire } from "node:module"
import * as Formats from "./Formats.js"
import * as ProgressView from "./ProgressView.js"

export const VERSION: string = createRequire(import.meta.url)("../package.json").version

/** Set once an export's result was printed: the run succeeded even if a signal arrives after. */
export const published = { value: false }

const plugins = Flag.String("plugin").pipe(
  Flag.withDescription("Load a format plugin: a package name or a path to a module (repeatable)"),
  Flag.atLeast(0)
)

const config = Flag.String("config").pipe(
  Flag.withDescription(`Read plugins and their options from this JSON file (default: ./${PluginLoader.CONFIG_FILE} when present)`),
  Flag.optional
)

const exportCommand = Command.make(
  "export",
  {
    db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read")),
    did: Flag.String("did").pipe(Flag.withDescription("Whose posts: the account's DID (exact match)")),
    format: Flag.String("format").pipe(
      Flag.withDescription("Output format: json, csv, ndjson, or the name of a loaded plugin"),
      Flag.withDefault("json")
    ),
    since: Flag.String("since").pipe(
      Flag.withDescription("First day (YYYY-MM-DD, from 00:00 UTC) or RFC 3339 instant, inclusive"),
      Flag.optional
    ),
    until: Flag.String("until").pipe(
      Flag.withDescription("Last day (YYYY-MM-DD, to 23:59:59.999999999 UTC) or RFC 3339 instant, inclusive"),
      Flag.optional
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Output folder; the export lands in <out>/<did>/<YYYY-MM-DD_HH-MM-SS>/"),
      Flag.withDefault("./exports")
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the manifest as JSON on stdout instead of the path"), Flag.withDefault(false)),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("Print nothing but errors"), Flag.withDefault(false)),
    plugin: plugins,
    config,
    option: Flag.String("option").pipe(
      Flag.withDescription("A format option, KEY=VALUE (VALUE read as JSON when it parses): --option bom=false (repeatable)"),
      Flag.atLeast(0)
    ),
    media: Flag.Boolean("media").pipe(
      Flag.withDescription("Copy the exported posts' media files into media/ of the export"),
      Flag.withDefault(false)
    ),
    mediaRoot: Flag.String("media-root").pipe(
      Flag.withDescription("With --media: the folder relative media paths start from (default: the archive's folder)"),
      Flag.optional
    ),
    zip: Flag.Boolean("zip").pipe(
      Flag.withDescription("Publish the export as one <out>/<did>/<YYYY-MM-DD_HH-MM-SS>.zip file instead of a folder"),
      Flag.withDefault(false)
    ),
    batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden),
    // For tests that compare budget-shortened batches with plain 1,000-post ones.
    budgetBytes: Flag.Int("budget-bytes").pipe(Flag.optional, Flag.withHidden)
  },
  (flags) =>
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
).pipe(Command.withDescription("Export one account's posts (all, or a date range) to a file"))

const seedCommand = Command.make(
  "seed",
  {
    db: Flag.String("db").pipe(Flag.withDescription("The archive file to create or add to")),
    posts: Flag.Int("posts").pipe(Flag.withDescription("How many posts to write for the DID")),
    did: Flag.String("did").pipe(Flag.withDescription("The DID to seed"), Flag.optional),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Random seed: the same seed writes the same rows"), Flag.withDefault(1)),
    mediaRoot: Flag.String("media-root").pipe(
      Flag.withDescription("Also write a small image file for each media row under this folder (1 in 100 left missing)"),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function*() {
      if (!(flags.posts >= 0 && flags.posts <= 100_000_000)) {
        return yield* new InvalidRequest({
          field: "posts",
          message: `invalid --posts ${flags.posts}: expected a whole number from 0 to 100000000`
        })
      }
      const did = Option.getOrUndefined(flags.did)
      if (did !== undefined) yield* Did.validate(did)
      const mediaRoot = Option.getOrUndefined(flags.mediaRoot)
      const started = Date.now()
      const result = yield* Effect.try({
        try: () =>
          Synthetic.seedArchive(flags.db, {
            posts: flags.posts,
            seed: flags.seed,
            ...(did ? { did } : {}),
            ...(mediaRoot === undefined ? {} : { mediaRoot })
          }),
        catch: (e) => new InvalidRequest({ field: "db", message: e instanceof Error ? e.message : String(e) })
      })
      const files = mediaRoot === undefined
        ? ""
        : `; ${result.mediaFiles} media files in ${mediaRoot}, ${result.missingMediaFiles} left missing`
      yield* Console.error(
        `seeded ${result.posts} posts for ${result.did} (+${result.otherPosts} of other accounts, ` +
          `${result.mediaRows} media rows${files}) in ${((Date.now() - started) / 1000).toFixed(1)}s`
      )
      yield* Console.log(result.did)
    })
).pipe(Command.withDescription("Write a deterministic synthetic archive (for demos, tests and benchmarks)"))

const formatsCommand = Command.make(
  "formats",
  {
    plugin: plugins,
    config,
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the list as JSON"), Flag.withDefault(false))
  },
  (flags) =>
    Effect.gen(function*() {
      const { registry } = yield* Formats.load(flags.plugin, Option.getOrUndefined(flags.config))
      const rows = registry.formats.map(({ origin, plugin }) => ({
        name: plugin.name,
        version: plugin.version,
        extension: plugin.extension,
        media_type: plugin.mediaType,
        origin,
        description: plugin.description
      }))
      if (flags.json) return yield* Console.log(JSON.stringify(rows, null, 2))
      const width = (column: (r: typeof rows[number]) => string, min: number) =>
        Math.max(min, ...rows.map((r) => column(r).length))
      const name = width((r) => r.name, 4)
      const version = width((r) => `v${r.version}`, 9)
      const extension = width((r) => r.extension, 6)
      const origin = width((r) => r.origin, 10)
      const lines = rows.map((r) =>
        `${r.name.padEnd(name)}  ${`v${r.version}`.padEnd(version)}  .${r.extension.padEnd(extension)}  ` +
        `${r.origin.padEnd(origin)}  ${r.description}`
      )
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription("List the available export formats"))

const serveCommand = Command.make(
  "serve",
  {
    db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read")),
    out: Flag.String("out").pipe(Flag.withDescription("Where exports are published (<out>/<did>/<YYYY-MM-DD_HH-MM-SS>/)")),
    host: Flag.String("host").pipe(
      Flag.withDescription("Address to listen on (default 127.0.0.1); anything but loopback requires --auth"),
      Flag.withDefault("127.0.0.1")
    ),
    port: Flag.Int("port").pipe(Flag.withDescription("Port to listen on (default 8787; 0: any free port)"), Flag.withDefault(8787)),
    auth: Flag.String("auth").pipe(
      Flag.withDescription(`Bearer tokens per DID: {"tokens":[{"token":"…","did":"did:plc:…"},{"token":"…","did":"*"}]}`),
      Flag.optional
    ),
    maxRunning: Flag.Int("max-running").pipe(
      Flag.withDescription("Exports running at once (default 2); the others wait in FIFO order"),
      Flag.withDefault(2)
    ),
    mediaRoot: Flag.String("media-root").pipe(
      Flag.withDescription("For include_media: the folder the archive's media paths start from (default: the archive's folder)"),
      Flag.optional
    ),
    plugin: plugins,
    config,
    batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden),
    keepAliveMs: Flag.Int("keep-alive-ms").pipe(Flag.withDefault(15_000), Flag.withHidden)
  },
  (flags) =>
    Effect.gen(function*() {
      const loaded = yield* Formats.load(flags.plugin, Option.getOrUndefined(flags.config))
      yield* Server.run({
        db: flags.db,
        out: flags.out,
        host: flags.host,
        port: flags.port,
        authFile: Option.getOrUndefined(flags.auth),
        maxRunning: flags.maxRunning,
        mediaRoot: Option.getOrUndefined(flags.mediaRoot),
        registry: loaded.registry,
        formatOptions: (format) => PluginLoader.optionsFor(loaded, format),
        batchSize: flags.batchSize,
        keepAliveMillis: flags.keepAliveMs,
        onListening: (url) => process.stdout.write(`${url}\n`),
        log: (line) => process.stderr.write(`${line}\n`)
      })
    })
).pipe(Command.withDescription("Serve exports over HTTP: a JSON API with live progress and ZIP downloads, and a web page"))

export const root = Command.make("skyporter").pipe(
  Command.withDescription("Export your Bluesky archive (bskyarchive SQLite) to JSON, CSV and plugin formats"),
  Command.withSubcommands([exportCommand, seedCommand, formatsCommand, serveCommand])
)

/** Help on request goes to stdout; a usage error prints only the errors and a hint, on stderr. */
const presenter: CliOutput.Presenter = {
  present: (event) =>
    Effect.gen(function*() {
      const canColor = (yield* TerminalCapabilities.TerminalCapabilities).canColor
      const formatter = CliOutput.defaultFormatter({ colors: canColor })
      switch (event._tag) {
        case "Help":
          return yield* (event.reason === "Requested" ? Console.log : Console.error)(
            formatter.formatHelpDoc(event.helpDoc)
          )
        case "InvalidInvocation":
          return yield* Console.error(
            formatter.formatErrors(event.errors).trimEnd() +
              `\n\nRun "${["skyporter", ...event.commandPath.slice(1)].join(" ")} --help" for usage.`
          )
        case "Version":
          return yield* Console.log(formatter.formatVersion(event.name, event.version))
      }
    })
}

export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(root, { version: VERSION })(args).pipe(Effect.provide(CliOutput.layerPresenter(presenter)))
