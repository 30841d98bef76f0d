/**
 * manifest.json: what an export holds, written last into the export
 * directory. Its presence marks a complete export; its sha256 sums let anyone
 * verify the files.
 */
import { Schema } from "effect"

export const FileEntry = Schema.Struct({
  /** Relative to the export directory, "/"-separated. */
  path: Schema.String,
  bytes: Schema.Number,
  sha256: Schema.String
})
export type FileEntry = typeof FileEntry.Type

export const Manifest = Schema.Struct({
  export_format: Schema.String,
  plugin: Schema.Struct({ name: Schema.String, version: Schema.String }),
  skyporter_version: Schema.String,
  /** When the export started (its snapshot), RFC 3339 UTC. */
  export_timestamp: Schema.String,
  did: Schema.String,
  /** As requested (null: unbounded). */
  date_range: Schema.Struct({ since: Schema.NullOr(Schema.String), until: Schema.NullOr(Schema.String) }),
  /** Posts actually written. */
  post_count: Schema.Number,
  media_count: Schema.Number,
  files: Schema.Array(FileEntry),
  warnings: Schema.Struct({ count: Schema.Number, messages: Schema.Array(Schema.String) })
})
export type Manifest = typeof Manifest.Type

export const FILE_NAME = "manifest.json"

/** The manifest's bytes: pretty JSON with a trailing newline. */
export const encode = (manifest: Manifest): string => JSON.stringify(manifest, null, 2) + "\n"

export const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(Manifest))
