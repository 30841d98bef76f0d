/**
 * A plugin's options checked against its own schema, through Standard Schema
 * (`~standard.validate`), so a schema from any copy of any library works.
 * Every problem is reported at once, each naming the option, what was given
 * and what is allowed.
 */
import type { StandardSchemaV1 } from "@skyporter/plugin"
import { isStandardSchema } from "@skyporter/plugin"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InvalidRequest } from "./Errors.js"
import type { FormatPlugin } from "./FormatPlugin.js"
import { didYouMean, isOurSchema } from "./FormatPlugin.js"

const standards = new WeakMap<object, StandardSchemaV1>()

/** The plugin's options schema as a Standard Schema (an effect Schema of this copy is converted once). */
const standard = (plugin: FormatPlugin): StandardSchemaV1 => {
  const options = plugin.options as unknown as object
  if (isStandardSchema(options)) return options
  let found = standards.get(options)
  if (found === undefined && isOurSchema(options)) {
    found = Schema.toStandardSchemaV1(options as Schema.Decoder<unknown>, {
      parseOptions: { errors: "all", onExcessProperty: "error" }
    }) as StandardSchemaV1
    standards.set(options, found)
  }
  if (found === undefined) throw new TypeError(`format "${plugin.name}" has no Standard Schema for its options`)
  return found
}

/**
 * The option keys a schema declares, read from what the common libraries
 * expose (our `optionsSchema`'s `keys`, effect's struct AST, zod's `shape`,
 * valibot's `entries`); undefined when it cannot tell.
 */
export const knownKeys = (schema: unknown): ReadonlyArray<string> | undefined => {
  const s = schema as {
    keys?: unknown
    ast?: {
      _tag?: unknown
      propertySignatures?: ReadonlyArray<{ name: PropertyKey }>
      indexSignatures?: ReadonlyArray<unknown>
    }
    shape?: unknown
    entries?: unknown
  }
  if (Array.isArray(s.keys) && s.keys.every((k) => typeof k === "string")) return s.keys
  const ast = s.ast
  if (ast?._tag === "Objects" && Array.isArray(ast.propertySignatures) && (ast.indexSignatures?.length ?? 0) === 0) {
    return ast.propertySignatures.map((p) => String(p.name))
  }
  for (const fields of [s.shape, s.entries]) {
    if (typeof fields === "object" && fields !== null && !Array.isArray(fields)) return Object.keys(fields)
  }
  return undefined
}

/** Option keys of `input` the plugin's schema does not declare, and those it does. */
export const unknownKeys = (plugin: FormatPlugin, input: unknown): { keys: Array<string>; known: Array<string> } => {
  const known = knownKeys(plugin.options)
  if (known === undefined || typeof input !== "object" || input === null || Array.isArray(input)) {
    return { keys: [], known: [] }
  }
  return { keys: Object.keys(input).filter((k) => !known.includes(k)), known: [...known] }
}

/** A schema error's message on one line: `Expected X at ["key"]; …`. */
export const oneLine = (message: string): string =>
  message
    .replace(/\n\s+at /g, " at ")
    .split("\n")
    .join("; ")

const keyOf = (segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey =>
  typeof segment === "object" ? segment.key : segment

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let value = input
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key]
  return value
}

const shown = (value: unknown): string => {
  if (value === undefined) return "nothing"
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : `${typeof value === "object" ? "" : `the ${typeof value} `}${JSON.stringify(value)}`
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/** One issue as `option "title": expected string, got the number 42 (…)`. */
const describeIssue = (input: unknown, issue: StandardSchemaV1.Issue): string => {
  const path = (issue.path ?? []).map(keyOf)
  const where = path.length === 0 ? "the options" : `option ${path.map((k) => JSON.stringify(String(k))).join(".")}`
  const given = path.length === 0 ? input : valueAt(input, path)
  let text = `${where}: ${issue.message.replace(/^Expected/, "expected")}`
  if (!/\bgot\b/.test(issue.message)) text += `, got ${shown(given)}`
  if (
    path.length > 0 &&
    /string|text/i.test(issue.message) &&
    given !== undefined &&
    typeof given !== "string" &&
    typeof given !== "object"
  ) {
    const key = String(path[path.length - 1])
    text += ` (--option reads VALUE as JSON, so ${JSON.stringify(
      given
    )} is not text: quote it, as in --option '${key}="${String(given)}"')`
  }
  return text
}

const invalid = (message: string) => new InvalidRequest({ field: "options", message })

/** `unknown option colour for format "csv" (allowed: bom, escapeFormulas)`, with a guess for each likely typo. */
const unknownMessage = (plugin: FormatPlugin, keys: ReadonlyArray<string>, known: ReadonlyArray<string>): string => {
  const allowed = known.length === 0 ? "it takes no options" : `allowed: ${known.join(", ")}`
  const guesses = keys.flatMap((key) => {
    const guess = didYouMean(key, known)
    return guess === undefined ? [] : [`did you mean ${guess} for ${key}?`]
  })
  return (
    `unknown option${keys.length > 1 ? "s" : ""} ${keys.join(", ")} for format "${plugin.name}" (${allowed})` +
    (guesses.length === 0 ? "" : `: ${guesses.join(" ")}`)
  )
}

/** The plugin's decoded options for `input`; InvalidRequest (field "options") naming every problem. */
export const decode = (plugin: FormatPlugin, input: unknown): Effect.Effect<unknown, InvalidRequest> =>
  Effect.suspend(() => {
    const given = input ?? {}
    const { keys, known } = unknownKeys(plugin, given)
    let schema: StandardSchemaV1
    try {
      schema = standard(plugin)
    } catch (e) {
      return Effect.fail(invalid(`invalid options for format "${plugin.name}": ${(e as Error).message}`))
    }
    const settle = (result: StandardSchemaV1.Result<unknown>): Effect.Effect<unknown, InvalidRequest> => {
      if (result.issues === undefined && keys.length === 0) return Effect.succeed(result.value)
      // An unknown key is reported once, with a guess, rather than again as the schema words it.
      const issues = (result.issues ?? []).filter((issue) => {
        const path = (issue.path ?? []).map(keyOf)
        return !(path.length === 1 && keys.includes(String(path[0])))
      })
      const parts = [
        ...(keys.length === 0 ? [] : [unknownMessage(plugin, keys, known)]),
        ...(issues.length === 0
          ? []
          : [
              `invalid options for format "${plugin.name}": ${issues
                .map((issue) => describeIssue(given, issue))
                .join("; ")}`
            ])
      ]
      if (parts.length === 0) parts.push(`invalid options for format "${plugin.name}"`)
      return Effect.fail(invalid(parts.join("; ")))
    }
    const crashed = (e: unknown) =>
      invalid(
        `invalid options for format "${plugin.name}": its options schema threw: ${
          e instanceof Error ? e.message : String(e)
        }`
      )
    let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>
    try {
      result = schema["~standard"].validate(given)
    } catch (e) {
      return Effect.fail(crashed(e))
    }
    return result instanceof Promise
      ? Effect.flatMap(Effect.tryPromise({ try: () => result, catch: crashed }), settle)
      : settle(result)
  })
