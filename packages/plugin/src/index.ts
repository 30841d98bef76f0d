/**
 * `@skyporter/plugin`: the skyporter format-plugin contract (API 2). Types,
 * `define`, the options helpers and an adapter for effect-based sinks; no
 * runtime dependencies.
 */
export { effectSink, type EffectfulSink } from "./EffectSink.js"
export { booleanOption, type Checked, noOptions, optionsSchema, type OptionsSchema } from "./Options.js"
export {
  API_VERSION,
  type BatchContext,
  type Chunk,
  define,
  FormatError,
  type MaybePromise,
  PLUGIN_FIELDS,
  type Plugin,
  type Sink,
  type SinkContext
} from "./Plugin.js"
export type { Post, PostBatch, RawJson, Timestamp } from "./Post.js"
export { FieldKind, type PostRecords, RECORD_FIELDS } from "./Records.js"
export { isStandardSchema, type StandardSchemaV1 } from "./StandardSchema.js"
