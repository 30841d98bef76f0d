import * as Effect from "effect/Effect"
import { describe, ExportFailed } from "../Errors.js"
import type { FormatError, FormatPlugin } from "../FormatPlugin.js"

/** Runs a plugin call, turning its typed failures and defects into an ExportFailed. */
export const pluginCall = <A>(
  plugin: FormatPlugin,
  effect: Effect.Effect<A, FormatError>,
  batch?: number
): Effect.Effect<A, ExportFailed> =>
  Effect.suspend(() => effect).pipe(
    Effect.catchDefect((defect) => Effect.fail({ message: `plugin crashed: ${describe(defect)}` })),
    Effect.mapError(
      (e) =>
        new ExportFailed({
          stage: "encode",
          ...(batch === undefined ? {} : { batch }),
          message: `format "${plugin.name}"${batch === undefined ? "" : ` failed on batch ${batch}`}: ${e.message}`
        })
    )
  )
