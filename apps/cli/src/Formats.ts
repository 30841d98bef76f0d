/**
 * The formats the CLI offers: the built-in plugins plus those the user loads
 * with `--plugin SPEC` or lists in a config file (see `PluginLoader` in
 * @skyporter/core, which the HTTP server shares), and the options given with
 * `--option KEY=VALUE`.
 */
import { InvalidRequest, PluginLoader } from "@skyporter/core"
import * as Effect from "effect/Effect"
import { builtins, provide } from "./Builtins.js"

/** The built-ins plus the plugins of the config file and of `specs`, resolved from the working directory. */
export const load = (specs: ReadonlyArray<string>, configFile: string | undefined) =>
  Effect.suspend(() => {
    provide()
    return PluginLoader.load({ cwd: process.cwd(), builtins, specs, configFile })
  })

/**
 * `--option KEY=VALUE` flags as an options object. A VALUE that parses as
 * JSON (`true`, `false`, `12`, `"x"`, `[1]`) is taken as that value, anything
 * else as a string; a later flag for the same KEY wins.
 */
export const parseOptions = (flags: ReadonlyArray<string>): Effect.Effect<PluginLoader.Options, InvalidRequest> =>
  Effect.gen(function* () {
    const options: Record<string, unknown> = {}
    for (const flag of flags) {
      const eq = flag.indexOf("=")
      if (eq <= 0) {
        return yield* new InvalidRequest({
          field: "option",
          message: `invalid --option ${JSON.stringify(flag)}: expected KEY=VALUE, such as --option bom=false`
        })
      }
      const value = flag.slice(eq + 1)
      try {
        options[flag.slice(0, eq)] = JSON.parse(value)
      } catch {
        options[flag.slice(0, eq)] = value
      }
    }
    return options
  })
