/**
 * The routes. Thin: each decodes its input at the edge (Schema), calls the
 * job manager, and renders the result or error as JSON. Paths are matched on
 * the raw request path: an export id must match a strict pattern before it
 * is decoded, so percent-encoded slashes, NULs or dots never become a path.
 */
import { Did, type FormatRegistry, type InvalidRequest } from "@skyporter/core"
import {
  type ExportInProgress,
  type ExportNotCompleted,
  type ExportNotFound,
  type Forbidden,
  JobManager,
  type ShuttingDown,
  type TooManyDownloads
} from "@skyporter/jobs"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { ZipWriter } from "@skyporter/zip"
import { Cause, Duration, Effect, Exit, Schema, Scope, Stream } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Auth from "./Auth.js"
import { ApiError, badRequest, decodeStrict, errorResponse, notFound, readJsonBody, SECURITY_HEADERS } from "./Http.js"
import type { StaticFile } from "./Static.js"

export interface AppOptions {
  readonly manager: JobManager.JobManagerShape
  readonly registry: FormatRegistry.FormatRegistryShape
  /** Undefined: no authentication (loopback only). */
  readonly auth: Auth.Auth | undefined
  readonly tickets: Auth.Tickets
  readonly files: ReadonlyMap<string, StaticFile>
  /** Interval of the SSE keep-alive comment (default 15 s). */
  readonly keepAliveMillis?: number | undefined
  /** Called with each request's method, path and status (no headers, no query). */
  readonly log?: ((line: string) => void) | undefined
}

// ---------------------------------------------------------------------------
// Edge schemas

const CreateExport = Schema.Struct({
  did: Schema.String,
  format: Schema.String,
  since: Schema.optional(Schema.String),
  until: Schema.optional(Schema.String),
  include_media: Schema.optional(Schema.Boolean)
})

const Digits = Schema.String.check(Schema.isPattern(/^\d{1,6}$/))

const ListQuery = Schema.Struct({
  did: Schema.optional(Schema.String),
  limit: Schema.optional(Digits),
  cursor: Schema.optional(Schema.String)
})

const DownloadQuery = Schema.Struct({
  delete_after: Schema.optional(Schema.Literals(["true", "false"])),
  ticket: Schema.optional(Schema.String)
})

const NoQuery = Schema.Struct({})

/** An export id as it may appear in a path: the base64url alphabet only. */
const ID_SEGMENT = /^[A-Za-z0-9_-]{1,2800}$/

// ---------------------------------------------------------------------------
// Rendering

const links = (id: string) => ({
  self: `/api/exports/${id}`,
  events: `/api/exports/${id}/events`,
  download: `/api/exports/${id}/download`
})

const render = (item: JobManager.ExportItem) => ({ ...item, links: links(item.id) })

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

type JobError =
  | InvalidRequest
  | ExportNotFound
  | ExportInProgress
  | ExportNotCompleted
  | TooManyDownloads
  | Forbidden
  | ShuttingDown
  | ApiError

/** The one place job errors become HTTP statuses and stable codes. */
const toApiError = (e: JobError): ApiError => {
  switch (e._tag) {
    case "ApiError":
      return e
    case "InvalidRequest":
      return new ApiError({ status: 400, code: "invalid_field", message: e.message })
    case "ExportNotFound":
      return new ApiError({ status: 404, code: "not_found", message: e.message })
    case "ExportInProgress":
      return new ApiError({ status: 409, code: "export_in_progress", message: e.message })
    case "ExportNotCompleted":
      return new ApiError({ status: 409, code: "not_completed", message: e.message })
    case "TooManyDownloads":
      return new ApiError({ status: 429, code: "too_many_downloads", message: e.message })
    case "Forbidden":
      return new ApiError({ status: 403, code: "forbidden", message: e.message })
    case "ShuttingDown":
      return new ApiError({ status: 503, code: "shutting_down", message: e.message })
  }
}

/** A name safe in a Content-Disposition header and on any filesystem. */
export const downloadName = (did: string, name: string): string =>
  `skyporter-${did}-${name}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 180) + ".zip"

const encoder = new TextEncoder()
/** Each event is encoded once, however many watchers it goes to. */
const encoded = new WeakMap<JobManager.JobEvent, Uint8Array>()
const sseEvent = (e: JobManager.JobEvent): Uint8Array => {
  let bytes = encoded.get(e)
  if (bytes === undefined) {
    bytes = encoder.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.snapshot)}\n\n`)
    encoded.set(e, bytes)
  }
  return bytes
}
const OPENING = encoder.encode("retry: 2000\n: connected\n\n")
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n")

// ---------------------------------------------------------------------------
// The app

interface Ctx {
  readonly request: HttpServerRequest
  readonly url: URL
  readonly access: JobManager.Access
}

type Handler = (
  ctx: Ctx,
  id: string
) => Effect.Effect<HttpServerResponse.HttpServerResponse, JobError, Scope.Scope | HttpServerRequest>

export const make = (options: AppOptions) => {
  const { manager, auth, tickets } = options
  const keepAlive = Duration.millis(options.keepAliveMillis ?? 15_000)

  const query = <S extends Schema.Top & { readonly DecodingServices: never }>(url: URL, schema: S) => {
    const params: Record<string, string> = {}
    for (const [key, value] of url.searchParams) {
      if (key in params) return Effect.fail(badRequest(`query parameter ${JSON.stringify(key)} is given twice`))
      params[key] = value
    }
    return decodeStrict(schema, params, "the query")
  }

  const formats: Handler = () =>
    Effect.sync(() =>
      json({
      formats: options.registry.formats.map(({ plugin }) => ({
        name: plugin.name,
        version: plugin.version,
        extension: plugin.extension,
        media_type: plugin.mediaType,
          description: plugin.description
        }))
      })
    )

  const create: Handler = (ctx) =>
    Effect.gen(function*() {
      yield* query(ctx.url, NoQuery)
      const body = yield* decodeStrict(CreateExport, yield* readJsonBody, "the request body")
      const item = yield* manager.submit(
        { did: body.did, format: body.format, since: body.since, until: body.until, includeMedia: body.include_media },
        ctx.access
      )
      return json(render(item), 202, { location: links(item.id).self })
    })

  const list: Handler = (ctx) =>
    Effect.gen(function*() {
      const q = yield* query(ctx.url, ListQuery)
      const limit = q.limit === undefined ? 20 : Number(q.limit)
      if (!(limit >= 1 && limit <= 100)) return yield* badRequest(`invalid "limit" ${q.limit}: expected 1 to 100`)
      if (q.did !== undefined) yield* Did.validate(q.did)
      const page = yield* manager.list({ did: q.did, limit, cursor: q.cursor }, ctx.access)
      return json({ exports: page.items.map(render), next_cursor: page.nextCursor })
    })

  const get: Handler = (ctx, id) =>
    Effect.gen(function*() {
      yield* query(ctx.url, NoQuery)
      return json(render(yield* manager.get(id, ctx.access)))
    })

  const remove: Handler = (ctx, id) =>
    Effect.gen(function*() {
      yield* query(ctx.url, NoQuery)
      yield* manager.remove(id, ctx.access)
      return HttpServerResponse.empty({ status: 204 })
    })

  const events: Handler = (ctx, id) =>
    Effect.gen(function*() {
      yield* query(ctx.url, NoQuery)
      const header = ctx.request.headers["last-event-id"]
      const lastEventId = header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined
      const stream = yield* manager.watch(id, ctx.access, lastEventId)
      const body = Stream.make(OPENING).pipe(
        Stream.concat(Stream.map(stream, sseEvent)),
        Stream.merge(Stream.map(Stream.drop(Stream.tick(keepAlive), 1), () => KEEP_ALIVE), { haltStrategy: "left" })
      )
      return HttpServerResponse.stream(body, {
        contentType: "text/event-stream; charset=utf-8",
        headers: { "x-accel-buffering": "no" }
      })
    })

  const downloadLink: Handler = (ctx, id) =>
    Effect.gen(function*() {
      yield* query(ctx.url, NoQuery)
      const item = yield* manager.get(id, ctx.access)
      if (item.status !== "completed") {
        return yield* new ApiError({
          status: 409,
          code: "not_completed",
          message: `export ${id} is ${item.status}: only a completed export can be downloaded`
        })
      }
      const { ticket, expiresAt } = tickets.issue(id)
      return json({ url: `${links(id).download}?ticket=${ticket}`, expires_at: expiresAt.toISOString() }, 201)
    })

  const download: Handler = (ctx, id) =>
    Effect.gen(function*() {
      const q = yield* query(ctx.url, DownloadQuery)
      const access = q.ticket !== undefined && tickets.verify(id, q.ticket) ? JobManager.ALL : ctx.access
      // The lease (download count, delete-after) lives until the response is finished or aborted.
      const scope = yield* Scope.make()
      const lease = yield* manager.download(id, access, { deleteAfter: q.delete_after === "true" }).pipe(
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      const response = NodeHttpServerRequest.toServerResponse(ctx.request)
      let closed = false
      const close = (sent: boolean) => {
        if (closed) return
        closed = true
        Effect.runFork(Effect.andThen(sent ? lease.sent : Effect.void, Scope.close(scope, Exit.void)))
      }
      response.once("finish", () => close(true))
      response.once("close", () => close(false))
      return HttpServerResponse.stream(ZipWriter.zipDirectory(lease.dir), {
        contentType: "application/zip",
        headers: { "content-disposition": `attachment; filename="${downloadName(lease.did, lease.name)}"` }
      })
    })

  /** Method → handler for each path; `:id` routes get the raw segment after its check. */
  const route = (path: string): { handlers: Record<string, Handler>; id: string } | undefined => {
    if (path === "/api/exports") return { handlers: { GET: list, POST: create }, id: "" }
    if (path === "/api/formats") return { handlers: { GET: formats }, id: "" }
    if (path === "/api/session") return { handlers: { GET: (ctx) => Effect.succeed(json({ did: ctx.access.did, auth: auth !== undefined })) }, id: "" }
    const m = /^\/api\/exports\/([^/]*)(\/events|\/download|\/download-link)?$/.exec(path)
    if (m === null) return undefined
    const id = m[1]!
    // Anything but the id alphabet (".", "%", NUL, "/"…) is an id that cannot exist.
    if (!ID_SEGMENT.test(id)) return { handlers: {}, id: "" }
    switch (m[2]) {
      case undefined:
        return { handlers: { GET: get, DELETE: remove }, id }
      case "/events":
        return { handlers: { GET: events }, id }
      case "/download":
        return { handlers: { GET: download }, id }
      default:
        return { handlers: { POST: downloadLink }, id }
    }
  }

  const api = (request: HttpServerRequest, url: URL) =>
    Effect.gen(function*() {
      const found = route(url.pathname)
      if (found === undefined) return yield* notFound(`no route ${request.method} ${url.pathname.slice(0, 200)}`)
      if (Object.keys(found.handlers).length === 0) return yield* notFound("no export with this id")
      const handler = found.handlers[request.method]
      if (handler === undefined) {
        return yield* new ApiError({
          status: 405,
          code: "method_not_allowed",
          message: `${request.method} is not allowed here; allowed: ${Object.keys(found.handlers).join(", ")}`
        })
      }
      // A download link carries its own authorisation.
      const ticketed = url.pathname.endsWith("/download") && url.searchParams.has("ticket") &&
        tickets.verify(found.id, url.searchParams.get("ticket")!)
      const access = auth === undefined || ticketed ? JobManager.ALL : auth.check(request.headers["authorization"])
      if (access === undefined) {
        return yield* new ApiError({
          status: 401,
          code: "unauthorized",
          message: "missing or invalid token: send \"Authorization: Bearer <token>\" with a token from the server's auth file"
        })
      }
      return yield* handler({ request, url, access }, found.id)
    })

  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest
    let url: URL
    try {
      url = new URL(request.url, "http://localhost")
    } catch {
      return HttpServerResponse.setHeaders(
        errorResponse(new ApiError({ status: 400, code: "invalid_request", message: "the request target is not a valid URL" })),
        SECURITY_HEADERS
      )
    }
    const isApi = url.pathname.startsWith("/api/") || url.pathname === "/api"
    let response: HttpServerResponse.HttpServerResponse
    if (url.pathname === "/healthz") {
      response = request.method === "GET" || request.method === "HEAD"
        ? json({ status: "ok" }, 200, { "cache-control": "no-store" })
        : errorResponse(new ApiError({ status: 405, code: "method_not_allowed", message: "use GET" }))
    } else if (!isApi) {
      const file = options.files.get(url.pathname)
      response = file !== undefined && (request.method === "GET" || request.method === "HEAD")
        ? HttpServerResponse.uint8Array(file.body, { contentType: file.type, headers: { "cache-control": "no-cache" } })
        : errorResponse(notFound(`no page ${url.pathname.slice(0, 200)}`))
    } else {
      response = yield* Effect.scoped(api(request, url)).pipe(
        Effect.catchCause((cause) => {
          const error = Cause.squash(cause)
          if (error instanceof ApiError) return Effect.succeed(errorResponse(error))
          const tag = (error as { _tag?: string } | undefined)?._tag
          if (tag !== undefined && Cause.hasFails(cause)) return Effect.succeed(errorResponse(toApiError(error as JobError)))
          if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
          options.log?.(`internal error on ${request.method} ${url.pathname}: ${Cause.pretty(cause)}`)
          return Effect.succeed(errorResponse(new ApiError({ status: 500, code: "internal_error", message: "internal error" })))
        }),
        Effect.map(HttpServerResponse.setHeader("cache-control", "no-store"))
      )
    }
    if (response.status === 401) response = HttpServerResponse.setHeader(response, "www-authenticate", "Bearer")
    options.log?.(`${request.method} ${url.pathname.slice(0, 200)} ${response.status}`)
    return HttpServerResponse.setHeaders(response, SECURITY_HEADERS)
  })

  return app
}
