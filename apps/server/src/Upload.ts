/**
 * `POST /api/imports`: a repository CAR uploaded by the page. The body is
 * streamed to a temporary file in the output folder (never held in memory)
 * and capped at `maxBytes`; a body that sends nothing for `idleMillis` is
 * refused (408). Once wholly received, the file is imported into the served
 * archive with @skyporter/car, one import at a time (a received upload
 * waits for the one before it: a slow upload never holds the others up),
 * while no export reads the archive (`JobManager.exclusive`). The import is
 * one transaction: a bad CAR or another account's repository leaves the
 * archive as it was.
 */
import { Import, type ImportError } from "@skyporter/car"
import { Accounts, type Archive, ExportDirectory } from "@skyporter/core"
import type { JobManager, ShuttingDown } from "@skyporter/jobs"
import { Effect, Semaphore, Stream } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import { constants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ApiError } from "./Http.js"
import * as ArchiveRead from "./ArchiveRead.js"

/** The default cap on an upload: 2 GiB (a large account's repository is a few hundred MB). */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3
}

/** `2GiB`, `500MiB`, `1048576`: a size in bytes, or undefined when not one (1 byte to 1 TiB). */
export const parseSize = (text: string): number | undefined => {
  const m = /^\s*(\d{1,13})\s*([a-z]*)\s*$/i.exec(text)
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()]
  if (m === null || unit === undefined) return undefined
  const bytes = Number(m[1]) * unit
  return bytes >= 1 && bytes <= 1024 ** 4 ? bytes : undefined
}

/** The default time an upload may send nothing before it is refused (as a reverse proxy would). */
export const DEFAULT_IDLE_MILLIS = 60_000

/** A size in the largest whole unit: `2 GiB`, `1.5 MiB`. */
export const formatSize = (bytes: number): string => {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024]
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`
  }
  return `${bytes} bytes`
}

/** Media types an upload may be sent with: neither can be sent cross-site without a CORS preflight. */
const CAR_TYPE = /^application\/(?:vnd\.ipld\.car|octet-stream)\s*(?:;|$)/i

export interface UploadOptions {
  readonly manager: JobManager.JobManagerShape
  readonly archive: Archive.ArchiveShape
  /** The output folder: uploads are written there, as temporary files the server sweeps. */
  readonly out: string
  readonly maxBytes: number
  /** Refuse the upload when no byte arrives for this long (default `DEFAULT_IDLE_MILLIS`). */
  readonly idleMillis?: number | undefined
}

/** What the page shows after an import. */
export interface Imported {
  readonly did: string
  readonly posts: number
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly skipped_records: number
  readonly media_rows: number
  readonly warnings: number
  /** The account as the account list shows it now. */
  readonly account: Accounts.Account | null
}

export type Receive = (request: HttpServerRequest, access: JobManager.Access) => Effect.Effect<Imported, ApiError>

export const make = (options: UploadOptions): Receive => {
  const { manager, archive, out, maxBytes } = options
  const idleMillis = options.idleMillis ?? DEFAULT_IDLE_MILLIS
  const idleSeconds = idleMillis === 1000 ? "1 second" : `${idleMillis / 1000} seconds`
  const one = Semaphore.makeUnsafe(1)
  const tooLarge = new ApiError({
    status: 413,
    code: "payload_too_large",
    message: `the upload is larger than this server accepts (${formatSize(maxBytes)}, set by --max-upload)`
  })

  /** Streams the body into `file`, counting bytes: 413 past the cap. */
  const receive = (request: HttpServerRequest, file: string) =>
    Effect.acquireUseRelease(
      Effect.tryPromise({
        try: () => fs.open(file, "wx", 0o600),
        catch: () =>
          new ApiError({
            status: 500,
            code: "import_failed",
            message: "cannot write the upload into the output folder"
          })
      }),
      (handle) => {
        let size = 0
        return request.stream.pipe(
          Stream.mapError(
            () =>
              new ApiError({
                status: 400,
                code: "upload_incomplete",
                message: "the upload ended before its last byte arrived"
              })
          ),
          Stream.timeoutOrElse({
            duration: idleMillis,
            orElse: () =>
              Stream.fail(
                new ApiError({
                  status: 408,
                  code: "upload_timeout",
                  message: `the upload sent nothing for ${idleSeconds} (after ${size} bytes); send it again`
                })
              )
          }),
          Stream.runForEach((chunk) => {
            size += chunk.length
            if (size > maxBytes) return Effect.fail(tooLarge)
            return Effect.tryPromise({
              try: () => handle.write(chunk),
              catch: () =>
                new ApiError({
                  status: 507,
                  code: "insufficient_storage",
                  message: "cannot store the upload: is the disk full?"
                })
            })
          }),
          Effect.map(() => size)
        )
      },
      (handle) => Effect.promise(() => handle.close())
    )

  const failure =
    (file: string) =>
    (e: ImportError | ShuttingDown | ApiError): ApiError => {
      // The importer names the file: here it is the upload, never a server path.
      const message = e.message.split(file).join("the uploaded CAR")
      switch (e._tag) {
        case "ApiError":
          return e
        case "CarInvalid":
          return new ApiError({ status: 422, code: "invalid_car", message: `${message}; the archive was not changed` })
        case "DidMismatch":
          return new ApiError({ status: 403, code: "did_mismatch", message })
        case "ShuttingDown":
          return new ApiError({ status: 503, code: "shutting_down", message })
        case "ImportFailed":
          return e.reason === "locked"
            ? new ApiError({ status: 409, code: "archive_locked", message: `${message}; try again later` })
            : new ApiError({ status: 500, code: "import_failed", message })
      }
    }

  /**
   * Whether the archive can be written: SQLite opens a write-protected file
   * read-only without a word, and its journal needs the folder.
   */
  const writable = () =>
    Effect.promise(async () => {
      if (archive.readOnly || archive.database.readonly) return false
      const ok = (p: string) =>
        fs.access(p, constants.W_OK).then(
          () => true,
          () => false
        )
      return (await ok(archive.path)) && (await ok(path.dirname(path.resolve(archive.path))))
    })

  /** Receives and imports one upload; `access` bound to a DID may import only that DID's repository. */
  return (request, access) =>
    Effect.gen(function* () {
      if (!(yield* writable())) {
        return yield* new ApiError({
          status: 409,
          code: "archive_read_only",
          message:
            "the archive is read-only for this server (a read-only file or folder), so nothing can be imported into it"
        })
      }
      const type = request.headers["content-type"]
      if (type === undefined || !CAR_TYPE.test(type)) {
        return yield* new ApiError({
          status: 415,
          code: "unsupported_media_type",
          message:
            `send the CAR file itself as the body, with "Content-Type: application/vnd.ipld.car"` +
            (type === undefined ? "" : ` (not ${JSON.stringify(type.slice(0, 100))})`)
        })
      }
      const declared = request.headers["content-length"]
      if (declared !== undefined && Number(declared) > maxBytes) return yield* tooLarge
      return yield* Effect.acquireUseRelease(
        Effect.sync(() => path.join(out, ExportDirectory.tempName(".car"))),
        (file) =>
          Effect.gen(function* () {
            const bytes = yield* receive(request, file)
            if (bytes === 0) {
              return yield* new ApiError({
                status: 400,
                code: "invalid_car",
                message: "the upload is empty: send a CAR file"
              })
            }
            const car = { car: file, db: archive.path }
            const summary = yield* one.withPermits(1)(
              manager.exclusive(access.did === "*" ? Import.run(car) : Import.runFor(access.did, car))
            )
            const account =
              (yield* ArchiveRead.read(archive, () => Accounts.list(archive.database))).find(
                (a) => a.did === summary.did
              ) ?? null
            return {
              did: summary.did,
              posts: summary.posts,
              inserted: summary.inserted,
              updated: summary.updated,
              unchanged: summary.unchanged,
              skipped_records: summary.records - summary.posts,
              media_rows: summary.media_rows,
              warnings: summary.warnings.count,
              account
            } satisfies Imported
          }).pipe(Effect.mapError(failure(file))),
        (file) => Effect.promise(() => fs.rm(file, { force: true }))
      )
    })
}
