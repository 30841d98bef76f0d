/**
 * The `did` of a new export may name the account by its handle, as the CLI's
 * `--did` may: looked up in the archive's `profiles` among the accounts the
 * caller may export, so a DID token learns nothing of other accounts' handles.
 */
import { Accounts, type Archive, type ArchiveError, Handle, InvalidRequest } from "@skyporter/core"
import type { JobManager } from "@skyporter/jobs"
import * as Effect from "effect/Effect"
import { ApiError } from "./Http.js"

const invalid = (message: string) => new InvalidRequest({ field: "did", message })

/** A read of the archive that another process's lock outlasted (409, as an upload meets it), or that failed. */
const readFailed = (e: ArchiveError) =>
  e.reason === "Locked"
    ? new ApiError({ status: 409, code: "archive_locked", message: e.message })
    : new ApiError({ status: 500, code: "internal_error", message: e.message })

/**
 * Reads through the archive's connection on the server's thread, in the short
 * attempts of `ArchiveShape.read`: a writer's lock never holds up every request.
 */
export const read = <A>(archive: Archive.ArchiveShape, run: () => A): Effect.Effect<A, ApiError> =>
  Effect.mapError(archive.read(run), readFailed)

/** The DID `value` names: itself when it starts with `did:` (checked with the export), else a handle's DID. */
export const didOf = (
  archive: Archive.ArchiveShape | undefined,
  value: string,
  access: JobManager.Access
): Effect.Effect<string, InvalidRequest | ApiError> => {
  if (value.startsWith("did:") || archive === undefined) return Effect.succeed(value)
  const handle = Handle.parse(value)
  if (handle === undefined) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
    return Effect.fail(invalid(`did ${shown}: expected a DID (did:plc:…) or a handle (alice.bsky.social)`))
  }
  const scope = access.did === "*" ? undefined : access.did
  return Effect.flatMap(
    read(archive, () => Accounts.resolve(archive.database, handle, scope)),
    (found) => {
      switch (found._tag) {
        case "Found":
          return Effect.succeed(found.did)
        case "Unknown":
          return Effect.fail(
            invalid(
              scope === undefined
                ? `no account in the archive has the handle @${handle} (matched ignoring case); GET /api/accounts lists them`
                : `the account this token may export does not have the handle @${handle} (matched ignoring case)`
            )
          )
        case "Ambiguous":
          return Effect.fail(
            invalid(
              `the handle @${handle} belongs to ${found.dids.length} DIDs in the archive (stale profiles): ` +
                `${found.dids.join(", ")}; give did the DID to export`
            )
          )
      }
    }
  )
}
