/**
 * The `did` of a new export may name the account by its handle, as the CLI's
 * `--did` may: looked up in the archive's `profiles` among the accounts the
 * caller may export, so a DID token learns nothing of other accounts' handles.
 */
import { Accounts, type Archive, Handle, InvalidRequest } from "@skyporter/core"
import type { JobManager } from "@skyporter/jobs"
import * as Effect from "effect/Effect"
import { read } from "./ArchiveRead.js"
import type { ApiError } from "./Http.js"

const invalid = (message: string) => new InvalidRequest({ field: "did", message })

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
