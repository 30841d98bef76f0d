/**
 * Streaming an export as a ZIP. The job manager's lease (the account's
 * download count, and delete-after) is held in a scope that closes when
 * Node's response ends, whether every byte went out (`finish`) or the
 * client went away (`close`): only a finished response counts as sent.
 * The ZIP's `manifest.json` shows media paths as the API does (no server
 * folder); the export on disk is left as written.
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Manifest } from "@skyporter/core"
import type { JobManager } from "@skyporter/jobs"
import { ZipWriter } from "@skyporter/zip"
import { Effect, Exit, Scope, Stream } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { JobError, Redactor } from "./ApiErrors.js"

/** A name safe in a Content-Disposition header and on any filesystem. */
export const downloadName = (did: string, name: string): string =>
  `skyporter-${did}-${name}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 180) + ".zip"

/** The headers of a download (also the answer to HEAD). */
export const headers = (did: string, name: string): Record<string, string> => ({
  "content-type": "application/zip",
  "content-disposition": `attachment; filename="${downloadName(did, name)}"`
})

/**
 * Runs `acquire` in a scope that stays open until the response to `request`
 * is done; `finished` tells whether it ended with every byte sent.
 */
export const untilResponseEnds = <A, E, R>(
  request: HttpServerRequest,
  acquire: Effect.Effect<A, E, R | Scope.Scope>,
  onEnd: (value: A, finished: boolean) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const value = yield* acquire.pipe(
      Scope.provide(scope),
      Effect.onError(() => Scope.close(scope, Exit.void))
    )
    const response = NodeHttpServerRequest.toServerResponse(request)
    let closed = false
    const close = (finished: boolean) => {
      if (closed) return
      closed = true
      Effect.runFork(Effect.andThen(onEnd(value, finished), Scope.close(scope, Exit.void)))
    }
    response.once("finish", () => close(true))
    response.once("close", () => close(false))
    return value
  }) as Effect.Effect<A, E, Exclude<R, Scope.Scope>>

/** The export directory as a ZIP; its manifest rewritten only where the answer would show a server path. */
const zip = (lease: JobManager.Download, redactor: Redactor) => {
  const shown = Manifest.encode(redactor.manifest(lease.manifest))
  if (shown === Manifest.encode(lease.manifest)) return ZipWriter.zipDirectory(lease.dir)
  return ZipWriter.stream(
    Stream.map(ZipWriter.entries(lease.dir), (entry) =>
      entry.name === Manifest.FILE_NAME ? { name: entry.name, bytes: shown, mtime: entry.mtime } : entry
    )
  )
}

/** The ZIP response for export `id`; with `deleteAfter`, the export is deleted once fully sent. */
export const respond = (
  manager: JobManager.JobManagerShape,
  request: HttpServerRequest,
  id: string,
  access: JobManager.Access,
  deleteAfter: boolean,
  redactor: Redactor
): Effect.Effect<HttpServerResponse.HttpServerResponse, JobError> =>
  Effect.map(
    untilResponseEnds(request, manager.download(id, access, { deleteAfter }), (lease, finished) =>
      finished ? lease.sent : Effect.void
    ),
    (lease) => HttpServerResponse.stream(zip(lease, redactor), { headers: headers(lease.did, lease.name) })
  )
