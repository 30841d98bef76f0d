/**
 * The format-plugin contract, API 2. A plugin is a plain object — in the
 * manner of ESLint and Rollup plugins — whose functions return plain values
 * or promises: no framework type crosses the boundary, so a plugin works
 * whatever copy of whatever library it uses, or none at all. It turns
 * batches of posts into bytes and never touches the database or the
 * filesystem: the core owns the snapshot, the files, progress, atomic
 * publishing and cleanup.
 */
import type { PostBatch } from "./Post.js"
import type { PostRecords } from "./Records.js"
import type { StandardSchemaV1 } from "./StandardSchema.js"

/** The major version of this contract; a plugin names the one it was written for. */
export const API_VERSION = 2

/** Bytes a sink emits: text is written as UTF-8. */
export type Chunk = string | Uint8Array

/** A chunk, or a promise of one. */
export type MaybePromise<A> = A | PromiseLike<A>

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
 * in export order, then `end` exactly once on success (a missing `start` or
 * `end` writes nothing). On failure or cancellation `end` is not called and
 * the bytes are discarded. The bytes must not depend on how posts are split
 * into batches. The core is done with a returned chunk before it calls the
 * sink again, so a sink may reuse one buffer.
 */
export interface Sink {
  readonly start?: (() => MaybePromise<Chunk>) | undefined
  readonly write: (batch: PostBatch, context: BatchContext) => MaybePromise<Chunk>
  /**
   * Optional: the same as `write`, from the posts' stored bytes (see
   * PostRecords). The core calls it instead of `write` when it reads the
   * archive's file itself; either may be called for any batch.
   */
  readonly writeRecords?: ((records: PostRecords, context: BatchContext) => MaybePromise<Chunk>) | undefined
  readonly end?: (() => MaybePromise<Chunk>) | undefined
}

/**
 * A failure the user should read as is (bad data, an option the plugin
 * cannot honour). Throw it (or reject with it) from `make` or a sink; the
 * core names the plugin and the batch. Recognised by its `name`, so a copy of
 * this class from another install of this package works the same. Anything
 * else a plugin throws is reported as a crash, with its stack when
 * `SKYPORTER_DEBUG=1`.
 */
export class FormatError extends Error {
  override readonly name = "FormatError"
}

export interface Plugin<Options = any> {
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
  /** The contract major the plugin was written against: `2`, written as a literal. */
  readonly apiVersion: 2
  /**
   * Validates and fills in the plugin's options (from `--option`, a config
   * file or an HTTP request): any Standard Schema (effect's
   * `Schema.toStandardSchemaV1(…)`, zod, valibot, arktype, or `optionsSchema`
   * of this package). Left out: the format takes no options.
   */
  readonly options?: StandardSchemaV1<any, Options> | undefined
  /** A fresh sink for one export (or a promise of one). */
  readonly make: (options: Options, context: SinkContext) => MaybePromise<Sink>
  /**
   * Set when one export may be encoded by several sinks at once, on several
   * threads, each writing a run of consecutive batches. The plugin promises
   * that `start` and `end` depend only on the options and `SinkContext`, and
   * that `write` depends only on those, the batch and its `BatchContext`:
   * never on what the same sink saw before. `true`: threads load the module
   * the plugin was loaded from (it must be that module's default export);
   * `{ module }`: the URL of a module whose default export is this plugin.
   */
  readonly concurrent?: boolean | { readonly module: string } | undefined
}

/** The fields a plugin object may have (anything else is reported as a likely typo). */
export const PLUGIN_FIELDS: ReadonlyArray<string> = [
  "name",
  "version",
  "extension",
  "mediaType",
  "description",
  "apiVersion",
  "options",
  "make",
  "concurrent"
]

/** Typed identity: checks a plugin object against the contract at compile time. */
export const define = <Options = Record<string, never>>(plugin: Plugin<Options>): Plugin<Options> => plugin
