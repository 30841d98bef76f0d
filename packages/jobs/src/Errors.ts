/**
 * What a job operation can refuse. Each has a message a user can act on;
 * the HTTP server maps each tag to one status and one stable error code.
 */
import { Schema } from "effect"

/** No export with that id is visible to the caller (it never existed, was deleted, or is another account's). */
export class ExportNotFound extends Schema.TaggedError<ExportNotFound>()("ExportNotFound", {
  message: Schema.String
}) {}

/** The account already has a queued or running export. */
export class ExportInProgress extends Schema.TaggedError<ExportInProgress>()("ExportInProgress", {
  did: Schema.String,
  /** The id of the export that is queued or running. */
  id: Schema.String,
  message: Schema.String
}) {}

/** The export has not completed, so there is nothing to download yet. */
export class ExportNotCompleted extends Schema.TaggedError<ExportNotCompleted>()("ExportNotCompleted", {
  status: Schema.String,
  message: Schema.String
}) {}

/** The account already has the maximum number of downloads in flight. */
export class TooManyDownloads extends Schema.TaggedError<TooManyDownloads>()("TooManyDownloads", {
  limit: Schema.Number,
  message: Schema.String
}) {}

/** The caller may not act for this account (a token bound to another DID). */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}) {}

/** The manager is shutting down and takes no new exports. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()("ShuttingDown", {
  message: Schema.String
}) {}
