/**
 * The errors an export can end with. Each carries a message a user can act
 * on; frontends map them to exit codes and HTTP statuses.
 */
import * as Schema from "effect/Schema"

/** Input that can never work (bad DID, date, format, plugin option): exit 2 / HTTP 400. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  /** The field or flag at fault, e.g. "did", "since", "format". */
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * The archive cannot be opened as a bskyarchive database: exit 2 — or, when
 * it is only `Locked` by another process past the busy timeout, exit 1 (the
 * same command can succeed later).
 */
export class ArchiveError extends Schema.TaggedError<ArchiveError>()("ArchiveError", {
  reason: Schema.Literals(["NotFound", "NotSqlite", "NotArchive", "Unreadable", "Locked"]),
  path: Schema.String,
  message: Schema.String
}) {}

/** Where an export failed. */
export const Stage = Schema.Literals(["prepare", "snapshot", "read", "encode", "write", "media", "publish"])
export type Stage = typeof Stage.Type

/** An export that started and failed: nothing was published. Exit 1 / job status failed. */
export class ExportFailed extends Schema.TaggedError<ExportFailed>()("ExportFailed", {
  stage: Stage,
  /** 1-based batch number when the failure belongs to a batch. */
  batch: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

export type ExportError = InvalidRequest | ArchiveError | ExportFailed

/** The text of an unknown thrown value. */
export const describe = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === "string" && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message
  }
  return String(cause)
}
