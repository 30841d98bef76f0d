/**
 * A plugin's options checked against its own schema, with the messages
 * `Export.prepare` gives: for options that arrive before any export is
 * requested (a config file), so a typo fails at load time.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { InvalidRequest } from "./Errors.js"
import type { FormatPlugin } from "./FormatPlugin.js"

/**
 * Option keys a plugin's struct schema does not declare. (An empty struct
 * schema accepts any object, so the excess-property check alone would let
 * typos through.)
 */
export const unknownKeys = (plugin: FormatPlugin, input: unknown): { keys: Array<string>; known: Array<string> } => {
  const ast = plugin.options.ast
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { keys: [], known: [] }
  if (!SchemaAST.isObjects(ast) || ast.indexSignatures.length > 0) return { keys: [], known: [] }
  const known = ast.propertySignatures.map((p) => String(p.name))
  return { keys: Object.keys(input).filter((k) => !known.includes(k)), known }
}

/** A schema error's message on one line: `Expected X at ["key"]; …`. */
export const oneLine = (message: string): string => message.replace(/\n\s+at /g, " at ").split("\n").join("; ")

/** The plugin's decoded options for `input`; InvalidRequest (field "options") naming what is wrong. */
export const decode = (plugin: FormatPlugin, input: unknown): Effect.Effect<unknown, InvalidRequest> => {
  const { keys, known } = unknownKeys(plugin, input)
  if (keys.length > 0) {
    const allowed = known.length === 0 ? "it takes no options" : `allowed: ${known.join(", ")}`
    return Effect.fail(
      new InvalidRequest({
        field: "options",
        message: `unknown option${keys.length > 1 ? "s" : ""} ${keys.join(", ")} for format "${plugin.name}" (${allowed})`
      })
    )
  }
  return Schema.decodeUnknownEffect(plugin.options)(input ?? {}, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError((e) =>
      new InvalidRequest({
        field: "options",
        message: `invalid options for format "${plugin.name}": ${oneLine(e.message)}`
      })
    )
  )
}
