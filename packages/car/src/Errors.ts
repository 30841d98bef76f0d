/**
 * The errors an import can end with. Each message names what is wrong; the
 * CLI maps `CarInvalid` to exit 2 (unreadable input) and `ImportFailed` to
 * exit 1 (the archive could not be written). Either way the archive is left
 * as it was.
 */
import * as Schema from "effect/Schema"

/** The CAR file cannot be used: missing, truncated, tampered with, or not a repository. */
export class CarInvalid extends Schema.TaggedError<CarInvalid>()("CarInvalid", {
  path: Schema.String,
  message: Schema.String
}) {}

/** The archive could not be opened or written (locked, not an archive, disk full, …). */
export class ImportFailed extends Schema.TaggedError<ImportFailed>()("ImportFailed", {
  /** `locked` when another process holds the archive: the same import can succeed later. */
  reason: Schema.Literals(["locked", "not_archive", "write"]),
  message: Schema.String
}) {}

/** The repository belongs to another account than the import was allowed for; nothing was written. */
export class DidMismatch extends Schema.TaggedError<DidMismatch>()("DidMismatch", {
  expected: Schema.String,
  found: Schema.String,
  message: Schema.String
}) {}

export type ImportError = CarInvalid | ImportFailed | DidMismatch
