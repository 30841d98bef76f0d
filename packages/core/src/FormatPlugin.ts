/**
 * The core's side of the format-plugin contract. Plugins are written against
 * `@skyporter/plugin` (API 2: plain functions, Standard Schema options); at
 * the boundary — the loader, the registry, a worker thread — each is turned
 * once into the representation the export engine runs: `FormatPlugin`, whose
 * sink steps are Effects of this copy of effect.
 */
import * as Contract from "@skyporter/plugin"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PostBatch } from "./Post.js"
import type { PostRecords } from "./RecordBatch.js"

export type { BatchContext, Chunk, SinkContext } from "@skyporter/plugin"
import type { BatchContext, Chunk, SinkContext } from "@skyporter/plugin"

/** The contract major this core speaks. */
export const API_VERSION = Contract.API_VERSION

/** A typed failure raised by a plugin; `message` is shown to the user as is. */
export class FormatError extends Schema.TaggedError<FormatError>()("FormatError", {
  plugin: Schema.String,
  message: Schema.String
}) {}

/**
 * One export's encoder as the engine runs it. `start` once, `write` once per
 * batch in export order, then `end` exactly once on success.
 */
export interface FormatSink {
  readonly start: Effect.Effect<Chunk, FormatError>
  readonly write: (batch: PostBatch, context: BatchContext) => Effect.Effect<Chunk, FormatError>
  /** The same bytes as `write`, from stored fields; absent when the plugin has no such path. */
  readonly writeRecords?:
    ((records: PostRecords, context: BatchContext) => Effect.Effect<Chunk, FormatError>) | undefined
  readonly end: Effect.Effect<Chunk, FormatError>
}

/** An options schema: any Standard Schema, or an effect Schema of this copy of effect. */
export type OptionsSchema<Options> = Contract.StandardSchemaV1<any, Options> | Schema.Decoder<Options>

/** A plugin as the export engine runs it (see `toInternal`). */
export interface FormatPlugin<Options = any> {
  readonly name: string
  readonly version: string
  readonly extension: string
  readonly mediaType: string
  readonly description: string
  readonly apiVersion: number
  readonly options: OptionsSchema<Options>
  readonly make: (options: Options, context: SinkContext) => Effect.Effect<FormatSink, FormatError>
  /** Resolved: the URL of a module whose default export is this plugin. */
  readonly concurrent?: { readonly module: string } | undefined
}

/** A plugin as written (API 2) or already in the engine's form. */
export type AnyPlugin = Contract.Plugin | FormatPlugin

/**
 * Typed identity for a plugin that shares this core's copy of effect (the
 * core's own tests, a frontend's in-process formats). Published plugins use
 * `define` from `@skyporter/plugin`.
 */
export const define = <Options>(plugin: FormatPlugin<Options>): FormatPlugin<Options> => plugin

/** The options schema of a format that takes none (every key rejected). */
export const noOptions = (_format?: string): Contract.OptionsSchema<Record<string, never>> => Contract.noOptions

// ---------------------------------------------------------------------------
// Recognising what a plugin returned

const EFFECT_KEY = "~effect/Effect"
const OUR_EFFECT = (Effect.void as unknown as Record<string, unknown>)[EFFECT_KEY]
const SCHEMA_KEY = "~effect/Schema/Schema"
const OUR_SCHEMA = (Schema.String as unknown as Record<string, unknown>)[SCHEMA_KEY]

const has = (value: unknown, key: string): value is Record<string, unknown> =>
  (typeof value === "object" || typeof value === "function") && value !== null && key in value

/** An Effect of this copy of effect, which this core can run. */
const isOurEffect = (value: unknown): value is Effect.Effect<unknown, unknown> =>
  has(value, EFFECT_KEY) && value[EFFECT_KEY] === OUR_EFFECT

/** An effect Schema of this copy of effect. */
export const isOurSchema = (value: unknown): value is Schema.Decoder<unknown> =>
  has(value, SCHEMA_KEY) && value[SCHEMA_KEY] === OUR_SCHEMA

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  has(value, "then") && typeof value.then === "function"

const FOREIGN_EFFECT =
  "returned an Effect from another copy of effect, which this core cannot run; " +
  "an API 2 sink returns bytes or a promise of them: wrap effect-based steps with " +
  "`effectSink(Effect.runPromise, …)` from @skyporter/plugin"

const debug = (): boolean => process.env.SKYPORTER_DEBUG === "1"

/** Where a thrown value was thrown: its first stack frame, if any. */
const thrownAt = (cause: unknown): string => {
  const stack = cause instanceof Error ? (cause.stack ?? "") : ""
  const frame = stack.split("\n").find((line) => line.trimStart().startsWith("at "))
  return frame === undefined ? "" : ` ${frame.trim()}`
}

/** A thrown value as the FormatError the engine reports: the plugin's own message, or a crash named by hook and place. */
const failure = (plugin: string, hook: string, cause: unknown): FormatError => {
  if (cause instanceof FormatError) return cause
  const error = cause as { name?: unknown; message?: unknown; _tag?: unknown }
  const message = typeof error?.message === "string" ? error.message : String(cause)
  if (has(cause, "message") && (error.name === "FormatError" || error._tag === "FormatError")) {
    return new FormatError({ plugin, message })
  }
  const stack = debug() && cause instanceof Error && cause.stack ? `\n${cause.stack}` : ""
  const hint = debug() ? "" : "; SKYPORTER_DEBUG=1 prints the stack"
  return new FormatError({
    plugin,
    message: `plugin crashed: ${message} (in ${hook}${thrownAt(cause)}${hint})${stack}`
  })
}

/** Runs one plugin step — a value, a promise, an Effect of ours, or a thunk of any — checking what it gives. */
const step = <A>(
  plugin: string,
  hook: string,
  run: () => unknown,
  check: (value: unknown) => string | undefined
): Effect.Effect<A, FormatError> =>
  Effect.suspend(() => {
    let value: unknown
    try {
      value = run()
    } catch (e) {
      return Effect.fail(failure(plugin, hook, e))
    }
    const settle = (v: unknown): Effect.Effect<A, FormatError> => {
      const problem = check(v)
      return problem === undefined
        ? Effect.succeed(v as A)
        : Effect.fail(new FormatError({ plugin, message: `${hook} ${problem}` }))
    }
    if (isOurEffect(value)) {
      return Effect.flatMap(
        Effect.catchDefect(value as Effect.Effect<unknown, unknown>, (d) => Effect.fail(d)).pipe(
          Effect.mapError((e) => failure(plugin, hook, e))
        ),
        settle
      )
    }
    if (has(value, EFFECT_KEY)) return Effect.fail(new FormatError({ plugin, message: `${hook} ${FOREIGN_EFFECT}` }))
    if (isThenable(value)) {
      return Effect.flatMap(
        Effect.tryPromise({ try: () => Promise.resolve(value), catch: (e) => failure(plugin, hook, e) }),
        (v) =>
          has(v, EFFECT_KEY)
            ? Effect.fail(new FormatError({ plugin, message: `${hook} ${FOREIGN_EFFECT}` }))
            : settle(v)
      )
    }
    return settle(value)
  })

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value

const chunk = (value: unknown): string | undefined =>
  typeof value === "string" || value instanceof Uint8Array
    ? undefined
    : `returned ${describeValue(value)}; a sink step returns a string or a Uint8Array (or a promise of one)`

const sinkShape = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) {
    return `returned ${describeValue(value)} instead of a sink { start?, write, end? }`
  }
  if (typeof (value as { write?: unknown }).write !== "function") return "returned a sink without a `write` function"
  return undefined
}

/** The engine's sink for a sink as a plugin returned it. */
const toFormatSink = (plugin: string, sink: Contract.Sink | FormatSink): FormatSink => {
  const edge = (hook: "start" | "end"): Effect.Effect<Chunk, FormatError> => {
    const f = (sink as unknown as Record<string, unknown>)[hook]
    if (f === undefined) return Effect.succeed("")
    if (isOurEffect(f)) return step(plugin, hook, () => f, chunk)
    if (typeof f !== "function") {
      return Effect.fail(
        new FormatError({ plugin, message: `the sink's \`${hook}\` is ${describeValue(f)}, not a function` })
      )
    }
    return step(plugin, hook, () => (f as () => unknown).call(sink), chunk)
  }
  const write = sink.write as (batch: PostBatch, context: BatchContext) => unknown
  const writeRecords = (sink as { writeRecords?: unknown }).writeRecords
  return {
    start: edge("start"),
    write: (batch, context) => step(plugin, "write", () => write.call(sink, batch, context), chunk),
    ...(typeof writeRecords === "function"
      ? {
          writeRecords: (records: PostRecords, context: BatchContext) =>
            step<Chunk>(plugin, "writeRecords", () => writeRecords.call(sink, records, context), chunk)
        }
      : {}),
    end: edge("end")
  }
}

const internal = new WeakMap<object, FormatPlugin>()

/**
 * The engine's form of a plugin, made once per plugin object (so the same
 * object always gives the same result). `module` is the URL the plugin was
 * loaded from: where threads load it when it declares `concurrent: true`.
 * Call `problems` first: this assumes the shape is right.
 */
export const toInternal = (value: AnyPlugin, module?: string): FormatPlugin => {
  const known = internal.get(value)
  if (known !== undefined) return known
  const p = value as Contract.Plugin & { readonly options?: unknown; readonly concurrent?: unknown }
  const name = p.name
  const options = p.options === undefined ? Contract.noOptions : (p.options as OptionsSchema<unknown>)
  const concurrent =
    p.concurrent === true
      ? module === undefined
        ? undefined
        : { module }
      : typeof p.concurrent === "object" && p.concurrent !== null
        ? { module: (p.concurrent as { module: string }).module }
        : undefined
  const make = p.make as (options: unknown, context: SinkContext) => unknown
  const out: FormatPlugin = {
    name,
    version: p.version,
    extension: p.extension,
    mediaType: p.mediaType,
    description: p.description,
    apiVersion: p.apiVersion,
    options,
    make: (opts, context) =>
      Effect.map(
        step<Contract.Sink | FormatSink>(name, "make", () => make.call(p, opts, context), sinkShape),
        (sink) => toFormatSink(name, sink)
      ),
    concurrent
  }
  internal.set(value, out)
  internal.set(out, out)
  return out
}

// ---------------------------------------------------------------------------
// Checking a would-be plugin

const NAME = /^[a-z][a-z0-9-]{0,31}$/
const EXTENSION = /^[A-Za-z0-9][A-Za-z0-9.-]{0,15}$/

/** Edit distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = kept
    }
  }
  return row[b.length]!
}

/** The known name closest to `word` (case aside; one edit away, two for words of 4+ letters), if any. */
export const didYouMean = (word: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best !== undefined && bestDistance <= (word.length < 4 ? 1 : 2) ? best : undefined
}

/** How to port a plugin written for API 1. */
export const API_1_PORTING =
  "API 2 plugins are plain objects from @skyporter/plugin: `options` is a Standard Schema " +
  "(wrap an effect Schema with Schema.toStandardSchemaV1, or use zod, valibot, arktype), `make` returns " +
  "a sink { start?, write, end? } whose functions return a string or Uint8Array or a promise of one " +
  "(effect-based steps: effectSink(Effect.runPromise, …)), `concurrent` may be `true`, and `apiVersion` is 2; " +
  'see docs/plugins.md, "Porting from API 1"'

/** Names what is missing or malformed in a would-be plugin; empty when it fits the contract. */
export const problems = (value: unknown): Array<string> => {
  if (typeof value !== "object" || value === null) return ["it is not an object"]
  const p = value as Record<string, unknown>
  if (typeof p.apiVersion === "number" && p.apiVersion !== API_VERSION) {
    if (p.apiVersion === 1) {
      return [`it was written for plugin API 1, and this core speaks API ${API_VERSION}. ${API_1_PORTING}`]
    }
    return [`it was built for plugin API ${p.apiVersion}, but this core speaks API ${API_VERSION}`]
  }
  const out: Array<string> = []
  for (const key of Object.keys(p)) {
    if (Contract.PLUGIN_FIELDS.includes(key)) continue
    const guess = didYouMean(key, Contract.PLUGIN_FIELDS)
    out.push(
      `unknown field \`${key}\`${guess === undefined ? "" : `: did you mean \`${guess}\`?`} (a plugin has ${Contract.PLUGIN_FIELDS.join(
        ", "
      )})`
    )
  }
  if (typeof p.name !== "string" || !NAME.test(p.name)) {
    out.push("`name` must be a string of lowercase letters, digits and dashes (at most 32)")
  }
  if (typeof p.version !== "string" || p.version === "") out.push("`version` must be a non-empty string")
  if (typeof p.extension !== "string" || !EXTENSION.test(p.extension)) {
    out.push('`extension` must be a file extension without a dot, such as "json"')
  }
  if (typeof p.mediaType !== "string" || !p.mediaType.includes("/")) {
    out.push('`mediaType` must be a media type such as "application/json"')
  }
  if (typeof p.description !== "string") out.push("`description` must be a string")
  if (typeof p.apiVersion !== "number") out.push(`\`apiVersion\` must be the number ${API_VERSION}`)
  if (p.options !== undefined && !Contract.isStandardSchema(p.options) && !isOurSchema(p.options)) {
    out.push(
      has(p.options, SCHEMA_KEY)
        ? "`options` is an effect Schema without `~standard`: pass Schema.toStandardSchemaV1(yourSchema) so that any copy of effect works"
        : "`options` must be a Standard Schema (https://standardschema.dev), such as zod's, valibot's or Schema.toStandardSchemaV1(…)"
    )
  }
  if (typeof p.make !== "function") {
    out.push("`make` must be a function returning a sink { start?, write, end? } (or a promise of one)")
  }
  if (p.concurrent !== undefined && p.concurrent !== true && p.concurrent !== false) {
    const module = (p.concurrent as { module?: unknown } | null)?.module
    if (typeof module !== "string" || !URL.canParse(module)) {
      out.push("`concurrent` must be true or { module: URL of a module whose default export is the plugin }")
    }
  }
  return out
}
