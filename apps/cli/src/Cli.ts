/**
 * The `skyporter` command tree. A thin frontend: it parses flags, wires the
 * core's layers together and renders progress; the work is in the packages.
 *
 * Only the argument parser loads at startup: each subcommand's handler, and
 * with it the core, the format plugins, SQLite and the server, is imported
 * when that subcommand runs (commands/*.ts), so `--version` and `--help`
 * start fast. Keep this module free of imports from @skyporter/* packages
 * and of the `effect` barrel.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CliConfig from "effect/cli/CliConfig"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import type * as HelpDoc from "effect/cli/HelpDoc"
import * as TerminalCapabilities from "effect/cli/TerminalCapabilities"
import { createRequire } from "node:module"
import * as Import from "./commands/Import.js"

export { published } from "./Published.js"

// By package name: this module runs from the bundle in dist/bundle/.
export const VERSION: string = createRequire(import.meta.url)("@skyporter/cli/package.json").version

/**
 * `PluginLoader.CONFIG_FILE` of @skyporter/core, repeated here so that the
 * help text does not load the core (test/formats.test.ts checks they agree).
 */
export const CONFIG_FILE = "skyporter.config.json"

const plugins = Flag.String("plugin").pipe(
  Flag.withDescription("Load a format plugin: a package name or a path to a module (repeatable)"),
  Flag.atLeast(0)
)

const config = Flag.String("config").pipe(
  Flag.withDescription(`Read plugins and their options from this JSON file (default: ./${CONFIG_FILE} when present)`),
  Flag.optional
)

const exportFlags = {
  db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read")),
  did: Flag.String("did").pipe(
    Flag.withDescription(
      "Whose posts: the account's DID (exact match) or its handle in the archive (alice.bsky.social, any case)"
    )
  ),
  format: Flag.String("format").pipe(
    Flag.withDescription(
      "Output format: json, csv, ndjson, html, or the name of a loaded plugin, in any case (default: json)"
    ),
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
    Flag.withDescription("Output folder; the export lands in <out>/<did>/<YYYY-MM-DD_HH-MM-SS>/ (default: ./exports)"),
    Flag.withDefault("./exports")
  ),
  json: Flag.Boolean("json").pipe(
    Flag.withDescription(
      'Print the manifest as JSON on stdout, with the export\'s path as "path", instead of the path'
    ),
    Flag.withDefault(false)
  ),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("Print nothing but errors"), Flag.withDefault(false)),
  plugin: plugins,
  config,
  option: Flag.String("option").pipe(
    Flag.withDescription(
      "A format option, KEY=VALUE (VALUE read as JSON when it parses): --option bom=false (repeatable)"
    ),
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
  threads: Flag.Int("threads").pipe(
    Flag.withDescription("Threads that read and encode posts, 1 to 32 (default: the cores available, at most 4)"),
    Flag.optional
  ),
  batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden),
  // For tests that compare budget-shortened batches with plain 1,000-post ones.
  budgetBytes: Flag.Int("budget-bytes").pipe(Flag.optional, Flag.withHidden)
}
export type ExportFlags = Command.Command.Config.Infer<typeof exportFlags>

const exportCommand = Command.make("export", exportFlags, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./commands/Export.js")),
    (handler) => handler.run(flags)
  )
).pipe(Command.withDescription("Export one account's posts (all, or a date range) to a file"))

const accountsFlags = {
  db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read (never written)")),
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print the list as a JSON array"), Flag.withDefault(false))
}
export type AccountsFlags = Command.Command.Config.Infer<typeof accountsFlags>

const accountsCommand = Command.make("accounts", accountsFlags, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./commands/Accounts.js")),
    (handler) => handler.run(flags)
  )
).pipe(
  Command.withDescription("List the accounts an archive holds posts for: DID, handle, posts, first and last post dates")
)

const seedFlags = {
  db: Flag.String("db").pipe(Flag.withDescription("The archive file to create or add to")),
  posts: Flag.Int("posts").pipe(Flag.withDescription("How many posts to write for the DID")),
  did: Flag.String("did").pipe(Flag.withDescription("The DID to seed"), Flag.optional),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("Random seed: the same seed writes the same rows (default: 1)"),
    Flag.withDefault(1)
  ),
  mediaRoot: Flag.String("media-root").pipe(
    Flag.withDescription("Also write a small image file for each media row under this folder (1 in 100 left missing)"),
    Flag.optional
  )
}
export type SeedFlags = Command.Command.Config.Infer<typeof seedFlags>

const seedCommand = Command.make("seed", seedFlags, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./commands/Seed.js")),
    (handler) => handler.run(flags)
  )
).pipe(Command.withDescription("Write a deterministic synthetic archive (for demos, tests and benchmarks)"))

const formatsFlags = {
  plugin: plugins,
  config,
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print the list as JSON"), Flag.withDefault(false))
}
export type FormatsFlags = Command.Command.Config.Infer<typeof formatsFlags>

const formatsCommand = Command.make("formats", formatsFlags, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./commands/Formats.js")),
    (handler) => handler.run(flags)
  )
).pipe(Command.withDescription("List the available export formats"))

const serveFlags = {
  db: Flag.String("db").pipe(Flag.withDescription("The bskyarchive SQLite archive to read")),
  out: Flag.String("out").pipe(
    Flag.withDescription("Where exports are published (<out>/<did>/<YYYY-MM-DD_HH-MM-SS>/)")
  ),
  host: Flag.String("host").pipe(
    Flag.withDescription("Address to listen on (default: 127.0.0.1); anything but loopback requires --auth"),
    Flag.withDefault("127.0.0.1")
  ),
  port: Flag.Int("port").pipe(
    Flag.withDescription("Port to listen on; 0: any free port (default: 8787)"),
    Flag.withDefault(8787)
  ),
  auth: Flag.String("auth").pipe(
    Flag.withDescription(`Bearer tokens per DID: {"tokens":[{"token":"…","did":"did:plc:…"},{"token":"…","did":"*"}]}`),
    Flag.optional
  ),
  maxRunning: Flag.Int("max-running").pipe(
    Flag.withDescription("Exports running at once; the others wait in FIFO order (default: 2)"),
    Flag.withDefault(2)
  ),
  mediaRoot: Flag.String("media-root").pipe(
    Flag.withDescription(
      "For include_media: the folder the archive's media paths start from (default: the archive's folder)"
    ),
    Flag.optional
  ),
  maxUpload: Flag.String("max-upload").pipe(
    Flag.withDescription("The largest repository CAR the web page may upload, e.g. 500MiB (default: 2GiB)"),
    Flag.withDefault("2GiB")
  ),
  plugin: plugins,
  config,
  threads: Flag.Int("threads").pipe(
    Flag.withDescription("Threads that read and encode posts, 1 to 32 (default: the cores available, at most 4)"),
    Flag.optional
  ),
  batchSize: Flag.Int("batch-size").pipe(Flag.withDefault(1_000), Flag.withHidden),
  keepAliveMs: Flag.Int("keep-alive-ms").pipe(Flag.withDefault(15_000), Flag.withHidden),
  uploadIdleMs: Flag.Int("upload-idle-ms").pipe(Flag.withDefault(60_000), Flag.withHidden)
}
export type ServeFlags = Command.Command.Config.Infer<typeof serveFlags>

const serveCommand = Command.make("serve", serveFlags, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./commands/Serve.js")),
    (handler) => handler.run(flags)
  )
).pipe(
  Command.withDescription("Serve exports over HTTP: a JSON API with live progress and ZIP downloads, and a web page")
)

export const root = Command.make("skyporter").pipe(
  Command.withDescription("Export your Bluesky archive (bskyarchive SQLite) to JSON, CSV and plugin formats"),
  Command.withSubcommands([exportCommand, accountsCommand, seedCommand, formatsCommand, serveCommand, Import.command])
)

/** The subcommands, for messages that name the command that failed. */
export const COMMANDS: ReadonlyArray<string> = ["export", "accounts", "seed", "formats", "serve", "import"]

/** `skyporter` or `skyporter <subcommand>`: how messages and help hints name a command. */
export const commandName = (path: ReadonlyArray<string>): string =>
  ["skyporter", ...path.filter((p) => p !== "skyporter")].join(" ")

/**
 * Every error: `skyporter export: …`; a usage error (exit 2) then the command's
 * help hint, which would mislead after a locked archive or a full disk.
 */
export const errorText = (command: string, messages: ReadonlyArray<string>, usage = true): string =>
  `${messages.map((m) => `${command}: ${m}\n`).join("")}${usage ? `Run '${command} --help' for usage.\n` : ""}`

/**
 * What each integer flag allows, for its parse error: effect's own message
 * ("Expected a string representing a finite number") describes its parser,
 * not the flag. The ranges are those the commands check (threads: the core's
 * `ExportRequest.MAX_THREADS`; keep-alive-ms: the server's `MAX_KEEP_ALIVE_MILLIS`).
 */
const INTEGER_FLAGS: Readonly<Record<string, string>> = {
  threads: "an integer from 1 to 32",
  posts: "an integer from 0 to 100000000",
  seed: "an integer",
  port: "an integer from 0 to 65535 (0: any free port)",
  "max-running": "an integer from 1 to 64",
  "batch-size": "an integer of 1 or more",
  "budget-bytes": "an integer of 1 or more",
  "keep-alive-ms": "an integer from 1 to 86400000 (milliseconds)",
  "upload-idle-ms": "an integer of 1 or more (milliseconds)"
}

/** A parser error in words: a repeated single-value flag says so, an integer flag says what it allows. */
const describeError = (error: CliError.CliError): string => {
  if (error._tag === "InvalidValue") {
    const repeated = /^(\d+) occurrences$/.exec(error.value)
    if (repeated !== null) {
      return `--${error.option} was given ${repeated[1]} times, but it takes one value: give it once`
    }
    const allowed = error.kind === "flag" ? INTEGER_FLAGS[error.option] : undefined
    if (allowed !== undefined) {
      return error.value === ""
        ? `--${error.option} needs a value: ${allowed}`
        : `invalid --${error.option} ${JSON.stringify(error.value)}: expected ${allowed}`
    }
  }
  // One line: effect's suggestions ("\n\n  Did you mean this?\n    export") go in parentheses.
  const [head, ...suggestions] = error.message.split(/\n\s*Did you mean this\?\n/)
  const text = head!
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ")
  const names = suggestions
    .join("\n")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
  return names.length === 0 ? text : `${text} (did you mean ${names.map((n) => `"${n}"`).join(" or ")}?)`
}

/** Required flags say so; built-in flags only appear when they do something documented (see Cli's builtIns). */
const markRequired = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc => ({
  ...doc,
  flags: doc.flags.map((flag) =>
    // A repeatable flag (Flag.atLeast(0)) counts as required to the parser, yet may be left out.
    flag.required && !Option.getOrElse(flag.description, () => "").includes("(repeatable)")
      ? {
          ...flag,
          description: Option.map(flag.description, (d) => `${d} (required)`).pipe(
            Option.orElseSome(() => "(required)")
          )
        }
      : flag
  )
})

/**
 * Help on request goes to stdout. Help nobody asked for (a bare `skyporter`)
 * and usage errors go to stderr, the errors in the one style of `errorText`.
 */
const presenter: CliOutput.Presenter = {
  present: (event) =>
    Effect.gen(function* () {
      const canColor = (yield* TerminalCapabilities.TerminalCapabilities).canColor
      const formatter = CliOutput.defaultFormatter({ colors: canColor })
      switch (event._tag) {
        case "Help":
          return yield* (event.reason === "Requested" ? Console.log : Console.error)(
            formatter.formatHelpDoc(markRequired(event.helpDoc))
          )
        case "InvalidInvocation":
          return yield* Effect.sync(() =>
            process.stderr.write(errorText(commandName(event.commandPath), event.errors.map(describeError)))
          )
        case "Version":
          return yield* Console.log(formatter.formatVersion(event.name, event.version))
      }
    })
}

/** `--help`, `--version` and `--completions`: effect's `--wizard` and `--log-level` do nothing documented here. */
const builtIns = [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions]

export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(root, { version: VERSION })(args).pipe(
    Effect.provide(CliOutput.layerPresenter(presenter)),
    Effect.provideService(CliConfig.CliConfig, CliConfig.make({ builtIns }))
  )
