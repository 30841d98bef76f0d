/**
 * Reads of the archive on the server's own thread (handles, account lists): a
 * writer's lock is waited for in the short attempts of `ArchiveShape.read`, so
 * it never holds up every request, and is answered as an upload meets it.
 */
import type { Archive, ArchiveError } from "@skyporter/core"
import * as Effect from "effect/Effect"
import { ApiError } from "./Http.js"

/** A read of the archive that another process's lock outlasted (409, as an upload meets it), or that failed. */
const readFailed = (e: ArchiveError) =>
  e.reason === "Locked"
    ? new ApiError({ status: 409, code: "archive_locked", message: e.message })
    : new ApiError({ status: 500, code: "internal_error", message: e.message })

/** `run`, a read through the archive's connection, as the API answers its failure. */
export const read = <A>(archive: Archive.ArchiveShape, run: () => A): Effect.Effect<A, ApiError> =>
  Effect.mapError(archive.read(run), readFailed)
