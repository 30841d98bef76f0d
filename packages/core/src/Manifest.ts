/**
 * manifest.json: what an export holds, written last into the export
 * directory. Its presence marks a complete export; its sha256 sums let anyone
 * verify the files.
 */
import * as Schema from "effect/Schema"

export const FileEntry = Schema.Struct({
  /** Relative to the export directory, "/"-separated. */
  path: Schema.String,
  bytes: Schema.Number,
  sha256: Schema.String
})
export type FileEntry = typeof FileEntry.Type

/**
 * Why a media file of an exported post is not in the export:
 * - `not_found`: no file at the path (or a folder on the way is missing)
 * - `not_regular`: a folder, device, FIFO or socket, or a symlink loop
 * - `unreadable`: the file exists but cannot be read (permissions, I/O error)
 * - `outside_root`: the path, or a symlink on it, leads outside the media root
 * - `invalid_path`: the stored path is empty, or its basename is not a portable file name (a backslash, NUL)
 * - `name_conflict`: another file with different bytes already has its name in `media/`
 */
export const MissingReason = Schema.Literals([
  "not_found",
  "not_regular",
  "unreadable",
  "outside_root",
  "invalid_path",
  "name_conflict"
])
export type MissingReason = typeof MissingReason.Type

/** A `media` row of an exported post whose file was not copied. */
export const MissingMedia = Schema.Struct({
  hash: Schema.String,
  post_uri: Schema.String,
  /** As stored in the archive. */
  file_path: Schema.String,
  reason: MissingReason
})
export type MissingMedia = typeof MissingMedia.Type

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
  /** Media files copied into `media/` (0 without media). */
  media_count: Schema.Number,
  /** The data file, then each media file as `media/<name>`. */
  files: Schema.Array(FileEntry),
  /** Media rows of exported posts whose file is not in the export (empty without media). */
  missing_media: Schema.Array(MissingMedia),
  warnings: Schema.Struct({ count: Schema.Number, messages: Schema.Array(Schema.String) })
})
export type Manifest = typeof Manifest.Type

export const FILE_NAME = "manifest.json"

/** The manifest's bytes: pretty JSON with a trailing newline. */
export const encode = (manifest: Manifest): string => JSON.stringify(manifest, null, 2) + "\n"

export const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(Manifest))
