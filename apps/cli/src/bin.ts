/**
 * Entry point of the `skyporter` binary. Exit codes:
 * 0 success · 1 export failed (nothing published), the archive is locked or
 * `serve` cannot listen ·
 * 2 invalid usage or input (a bare `skyporter` too: it prints the help) ·
 * 130 interrupted (SIGINT/SIGTERM; cleanup done).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as CliError from "effect/cli/CliError"
import * as Cli from "./Cli.js"

export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_INTERRUPTED = 130

const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.hasInterruptsOnly(exit.cause)) return Cli.published.value ? 0 : EXIT_INTERRUPTED
  return failureCode(Cause.squash(exit.cause))
}

/** The exit code of a failure: usage (2) for what the command line can fix, else failed (1). */
const failureCode = (error: unknown): number => {
  // `--help` and `--version` succeed; a CliError is a usage error or help nobody asked for.
  if (CliError.isCliError(error)) return EXIT_USAGE
  const tag = (error as { _tag?: unknown } | undefined)?._tag
  // A locked archive is no fault of the input: the same command can succeed later.
  if (tag === "ArchiveError" && (error as { reason?: unknown }).reason === "Locked") return EXIT_FAILED
  if (tag === "InvalidRequest" || tag === "ArchiveError") return EXIT_USAGE
  return EXIT_FAILED
}

/** The command that runs: `skyporter export` etc., or `skyporter` before one is known. */
const command = (): string => {
  const first = process.argv.slice(2).find((a) => !a.startsWith("-"))
  return Cli.commandName(first !== undefined && Cli.COMMANDS.includes(first) ? [first] : [])
}

/** Our errors print their message in the style of usage errors; anything else is a bug and prints its cause. */
const report = (cause: Cause.Cause<unknown>) =>
  Effect.sync(() => {
    if (Cause.hasInterruptsOnly(cause)) return
    const error = Cause.squash(cause)
    if (CliError.isCliError(error)) return // already presented
    const tag = (error as { _tag?: unknown } | undefined)?._tag
    if (tag === "InvalidRequest" || tag === "ArchiveError" || tag === "ExportFailed") {
      process.stderr.write(Cli.errorText(command(), [(error as Error).message], failureCode(error) === EXIT_USAGE))
    } else {
      process.stderr.write(`${command()}: unexpected error\n${Cause.pretty(cause)}\n`)
    }
  })

// Under a file-size limit (RLIMIT_FSIZE) the kernel would kill the process
// with SIGXFSZ mid-write; handled, the write fails with EFBIG instead and the
// export ends as a clean failure with its temporary directory removed.
process.on("SIGXFSZ", () => {})

// The runtime drops its SIGINT and SIGTERM handlers before the teardown
// exits, and a signal with no handler would kill the process: with these
// (the runtime's own come next), one that lands on the way out leaves the
// exit code as it is. A command may also end before runMain returns.
const ignore = () => {}
process.on("SIGINT", ignore)
process.on("SIGTERM", ignore)

Cli.run(process.argv.slice(2)).pipe(
  Effect.tapCause(report),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // Exit explicitly, also on success: the runtime drops its signal handlers
    // when the program ends, and a late SIGINT must not kill a finished run.
    teardown: (exit, onExit) => {
      const code = exitCode(exit)
      onExit(code)
      process.exit(code)
    }
  })
)
