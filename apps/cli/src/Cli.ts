/**
 * The `skyporter` command tree. A thin frontend: it parses flags, wires the
 * core's layers together and renders progress; the work is in the packages.
 */
import { Archive, Did, Export, FormatRegistry, InvalidRequest } from "@skyporter/core"
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

const exportCommand = Command.make(
  "export",
  {
    db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read")),
    did: Flag.String("did").pipe(Flag.withDescription("Whose posts: the account's DID (exact match)")),
    format: Flag.String("format").pipe(
      Flag.withDescription("Output format: json, csv, or the name of a loaded plugin"),
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
    batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden)
  },
  (flags) =>
    Effect.gen(function*() {
      const registry = yield* Formats.registry(flags.plugin)
      const prepared = yield* Export.prepare({
        did: flags.did,
        format: flags.format,
        since: Option.getOrUndefined(flags.since),
        until: Option.getOrUndefined(flags.until),
        out: flags.out,
        batchSize: flags.batchSize
      }).pipe(Effect.provideService(FormatRegistry.FormatRegistry, registry))
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
    seed: Flag.Int("seed").pipe(Flag.withDescription("Random seed: the same seed writes the same rows"), Flag.withDefault(1))
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
      const started = Date.now()
      const result = yield* Effect.try({
        try: () => Synthetic.seedArchive(flags.db, { posts: flags.posts, seed: flags.seed, ...(did ? { did } : {}) }),
        catch: (e) => new InvalidRequest({ field: "db", message: e instanceof Error ? e.message : String(e) })
      })
      yield* Console.error(
        `seeded ${result.posts} posts for ${result.did} (+${result.otherPosts} of other accounts, ` +
          `${result.mediaRows} media rows) in ${((Date.now() - started) / 1000).toFixed(1)}s`
      )
      yield* Console.log(result.did)
    })
).pipe(Command.withDescription("Write a deterministic synthetic archive (for demos, tests and benchmarks)"))

const formatsCommand = Command.make(
  "formats",
  {
    plugin: plugins,
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the list as JSON"), Flag.withDefault(false))
  },
  (flags) =>
    Effect.gen(function*() {
      const registry = yield* Formats.registry(flags.plugin)
      const rows = registry.formats.map(({ origin, plugin }) => ({
        name: plugin.name,
        version: plugin.version,
        extension: plugin.extension,
        media_type: plugin.mediaType,
        origin,
        description: plugin.description
      }))
      if (flags.json) return yield* Console.log(JSON.stringify(rows, null, 2))
      const width = Math.max(...rows.map((r) => r.name.length), 4)
      const lines = rows.map((r) =>
        `${r.name.padEnd(width)}  ${`v${r.version}`.padEnd(9)}  .${r.extension.padEnd(6)}  ${r.origin.padEnd(10)}  ${r.description}`
      )
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription("List the available export formats"))

export const root = Command.make("skyporter").pipe(
  Command.withDescription("Export your Bluesky archive (bskyarchive SQLite) to JSON, CSV and plugin formats"),
  Command.withSubcommands([exportCommand, seedCommand, formatsCommand])
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
