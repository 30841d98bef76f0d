/**
 * The format-plugin contract. A plugin is a plain typed object — in the
 * manner of ESLint and Rollup plugins — that turns batches of posts into
 * bytes. It never touches the database or the filesystem: the core owns the
 * snapshot, the files, progress, atomic publishing and cleanup.
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PostBatch } from "./Post.js"

/** Bytes a sink emits: text is written as UTF-8. */
export type Chunk = string | Uint8Array

/** A typed failure raised by a plugin; `message` is shown to the user as is. */
export class FormatError extends Schema.TaggedError<FormatError>()("FormatError", {
  plugin: Schema.String,
  message: Schema.String
}) {}

/** What a sink is told about its export when it is made. */
export interface SinkContext {
  /** How many posts the export will write (counted in its snapshot). */
  readonly total: number
}

/** Where a batch sits in its export. */
export interface BatchContext {
  /** How many posts of the export come before this batch. */
  readonly offset: number
}

/**
 * One export's encoder. The core calls `start` once, `write` once per batch
 * in export order, then `end` exactly once on success. On failure or
 * cancellation `end` is not called and the bytes are discarded.
 * The bytes must not depend on how posts are split into batches.
 */
export interface FormatSink {
  readonly start: Effect.Effect<Chunk, FormatError>
  readonly write: (batch: PostBatch, context: BatchContext) => Effect.Effect<Chunk, FormatError>
  readonly end: Effect.Effect<Chunk, FormatError>
}

/** The major version of this contract; a plugin names the one it was built for. */
export const API_VERSION = 1

export interface FormatPlugin<Options = any> {
  /** Format name users type (`--format NAME`): lowercase letters, digits and dashes. */
  readonly name: string
  /** The plugin package's version, recorded in each manifest. */
  readonly version: string
  /** The data file's extension, without a dot: `posts.<extension>`. */
  readonly extension: string
  /** IANA media type of the data file. */
  readonly mediaType: string
  /** One line for `skyporter formats`. */
  readonly description: string
  /** The contract major (`API_VERSION`) the plugin was written against. */
  readonly apiVersion: number
  /** Validates and fills in the plugin's options (from CLI, config or HTTP). */
  readonly options: Schema.Decoder<Options>
  /** A fresh sink for one export. */
  readonly make: (options: Options, context: SinkContext) => Effect.Effect<FormatSink, FormatError>
  /**
   * Set when one export may be encoded by several sinks at once, on several
   * threads, each writing a run of consecutive batches. `module` is the URL
   * of a module whose default export is this plugin (so a worker thread can
   * load it). The plugin promises that `start` and `end` depend only on the
   * options and `SinkContext`, and that `write` depends only on those, the
   * batch and its `BatchContext`: never on what the same sink saw before.
   */
  readonly concurrent?: { readonly module: string } | undefined
}

/**
 * The options schema of a format that takes none. An empty `Schema.Struct({})`
 * on its own accepts any object (effect reads it as the type `{}`), so this
 * one rejects every key, naming the format.
 */
export const noOptions = (format: string) =>
  Schema.Struct({}).check(
    Schema.makeFilter((input: object) => {
      if (typeof input !== "object" || Array.isArray(input)) return `the ${format} format takes no options`
      const keys = Object.keys(input)
      return keys.length === 0
        ? undefined
        : keys.map((key) => ({ path: [key], issue: `unknown option: the ${format} format takes no options` }))
    })
  )

/** Typed identity that checks a plugin object against the contract. */
export const define = <Options>(plugin: FormatPlugin<Options>): FormatPlugin<Options> => plugin

const NAME = /^[a-z][a-z0-9-]{0,31}$/
const EXTENSION = /^[A-Za-z0-9][A-Za-z0-9.-]{0,15}$/

/** Names what is missing or malformed in a would-be plugin; empty when it fits the contract. */
export const problems = (value: unknown): Array<string> => {
  if (typeof value !== "object" || value === null) return ["it is not an object"]
  const p = value as Record<string, unknown>
  const out: Array<string> = []
  if (typeof p.name !== "string" || !NAME.test(p.name)) {
    out.push("`name` must be a string of lowercase letters, digits and dashes (at most 32)")
  }
  if (typeof p.version !== "string" || p.version === "") out.push("`version` must be a non-empty string")
  if (typeof p.extension !== "string" || !EXTENSION.test(p.extension)) {
    out.push("`extension` must be a file extension without a dot, such as \"json\"")
  }
  if (typeof p.mediaType !== "string" || !p.mediaType.includes("/")) {
    out.push("`mediaType` must be a media type such as \"application/json\"")
  }
  if (typeof p.description !== "string") out.push("`description` must be a string")
  if (typeof p.apiVersion !== "number") out.push(`\`apiVersion\` must be a number (this core speaks ${API_VERSION})`)
  else if (p.apiVersion !== API_VERSION) {
    out.push(`it was built for plugin API ${p.apiVersion}, but this core speaks API ${API_VERSION}`)
  }
  if (!Schema.isSchema(p.options)) out.push("`options` must be an effect Schema")
  if (typeof p.make !== "function") out.push("`make` must be a function returning an Effect of a FormatSink")
  if (p.concurrent !== undefined) {
    const module = (p.concurrent as { module?: unknown } | null)?.module
    if (typeof module !== "string" || !URL.canParse(module)) {
      out.push("`concurrent.module` must be the URL of a module whose default export is the plugin")
    }
  }
  return out
}
