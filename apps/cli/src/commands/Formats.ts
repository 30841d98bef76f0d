/** The `skyporter formats` handler, loaded only when `formats` runs (see Cli.ts). */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { FormatsFlags } from "../Cli.js"
import * as Formats from "../Formats.js"

export const run = (flags: FormatsFlags) =>
  Effect.gen(function* () {
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
    const width = (column: (r: (typeof rows)[number]) => string, min: number) =>
      Math.max(min, ...rows.map((r) => column(r).length))
    const name = width((r) => r.name, 4)
    const version = width((r) => `v${r.version}`, 9)
    const extension = width((r) => r.extension, 6)
    const origin = width((r) => r.origin, 10)
    const lines = rows.map(
      (r) =>
        `${r.name.padEnd(name)}  ${`v${r.version}`.padEnd(version)}  .${r.extension.padEnd(extension)}  ` +
        `${r.origin.padEnd(origin)}  ${r.description}`
    )
    yield* Console.log(lines.join("\n"))
  })
