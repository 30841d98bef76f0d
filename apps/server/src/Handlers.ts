/**
 * What each route does, by name (see `Routes`): decode the input at the edge
 * (Schema), call the job manager, render the result as JSON. Errors are left
 * to `Api`, which renders every one the same way.
 */
import { Accounts, Did, type Archive, type FormatRegistry } from "@skyporter/core"
import { ExportId, type JobManager } from "@skyporter/jobs"
import { type Duration, Effect, Schema } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { JobError, Redactor } from "./ApiErrors.js"
import type * as Auth from "./Auth.js"
import * as Download from "./Download.js"
import * as ArchiveRead from "./ArchiveRead.js"
import * as Handles from "./Handles.js"
import { ApiError, badRequest, decodeStrict, readJsonBody } from "./Http.js"
import type * as Routes from "./Routes.js"
import * as Sse from "./Sse.js"
import type * as Upload from "./Upload.js"

// ---------------------------------------------------------------------------
// Edge schemas

const CreateExport = Schema.Struct({
  did: Schema.String,
  format: Schema.String,
  since: Schema.optional(Schema.String),
  until: Schema.optional(Schema.String),
  include_media: Schema.optional(Schema.Boolean)
})

const ListQuery = Schema.Struct({
  did: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.String),
  cursor: Schema.optional(Schema.String)
})

const DownloadQuery = Schema.Struct({ ticket: Schema.optional(Schema.String) })

const DownloadBody = Schema.Struct({ delete_after: Schema.optional(Schema.Boolean) })

// ---------------------------------------------------------------------------
// Rendering

// Relative links: they stay right behind any reverse proxy, whatever its public name.
export const links = (id: string) => ({
  self: `/api/exports/${id}`,
  events: `/api/exports/${id}/events`,
  download: `/api/exports/${id}/download`
})

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

// ---------------------------------------------------------------------------
// Handlers

export interface Ctx {
  readonly request: HttpServerRequest
  readonly url: URL
  readonly access: JobManager.Access
  /** Who holds event streams: the token's digest, or the remote address. */
  readonly client: string
  readonly id: string
}

export type Handler = (ctx: Ctx) => Effect.Effect<HttpServerResponse.HttpServerResponse, JobError, HttpServerRequest>

export interface HandlerDeps {
  readonly manager: JobManager.JobManagerShape
  readonly registry: FormatRegistry.FormatRegistryShape
  readonly archive: Archive.ArchiveShape | undefined
  readonly authenticated: boolean
  readonly tickets: Auth.Tickets
  readonly redactor: Redactor
  readonly streams: Sse.StreamLimit
  readonly keepAlive: Duration.Duration
  /** Imports of uploaded CARs; undefined: the server has no archive to write. */
  readonly upload: Upload.Receive | undefined
}

/** At most this many accounts are listed (largest first). */
export const MAX_ACCOUNTS = 500

export const make = (deps: HandlerDeps): Record<Routes.RouteName, Handler> => {
  const { manager, tickets, redactor, streams, keepAlive } = deps
  const encode = Sse.encoder(redactor)
  /** The archive's accounts the caller may see: a DID token sees its own. */
  const accountsFor = (access: JobManager.Access): Effect.Effect<ReadonlyArray<Accounts.Account>, ApiError> => {
    const archive = deps.archive
    if (archive === undefined) return Effect.succeed([])
    return Effect.map(
      ArchiveRead.read(archive, () => Accounts.list(archive.database)),
      (all) => (access.did === "*" ? all : all.filter((a) => a.did === access.did)).slice(0, MAX_ACCOUNTS)
    )
  }
  const render = (item: JobManager.ExportItem) => {
    const manifest = item.manifest === undefined ? {} : { manifest: redactor.manifest(item.manifest) }
    return { ...item, ...manifest, progress: redactor.snapshot(item.progress), links: links(item.id) }
  }

  const notCompleted = (id: string, status: string) =>
    new ApiError({
      status: 409,
      code: "not_completed",
      message: `export ${id} is ${status}: only a completed export can be downloaded`
    })
  /** The query as one object: 400 for a parameter given twice or one `schema` does not name. */
  const query = <S extends Schema.Top & { readonly DecodingServices: never }>(url: URL, schema: S) => {
    // No prototype: `__proto__` or `constructor` are parameters like any other.
    const params: Record<string, string> = Object.create(null)
    for (const [key, value] of url.searchParams) {
      if (Object.hasOwn(params, key)) {
        return Effect.fail(badRequest(`query parameter ${JSON.stringify(key.slice(0, 100))} is given twice`))
      }
      params[key] = value
    }
    return decodeStrict(schema, params, "the query")
  }
  /** Routes that take no query parameter: 400 naming the first one. */
  const noQuery = (url: URL) => {
    for (const key of url.searchParams.keys()) {
      return Effect.fail(
        badRequest(`unknown query parameter ${JSON.stringify(key.slice(0, 100))}: this route takes no query parameters`)
      )
    }
    return Effect.void
  }

  return {
    formats: (ctx) =>
      Effect.map(noQuery(ctx.url), () =>
        json({
          formats: deps.registry.formats.map(({ plugin }) => ({
            name: plugin.name,
            version: plugin.version,
            extension: plugin.extension,
            media_type: plugin.mediaType,
            description: plugin.description
          }))
        })
      ),

    session: (ctx) => Effect.as(noQuery(ctx.url), json({ did: ctx.access.did, auth: deps.authenticated })),

    accounts: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        return json({ accounts: yield* accountsFor(ctx.access) })
      }),

    importCar: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        if (deps.upload === undefined) {
          return yield* new ApiError({
            status: 409,
            code: "archive_read_only",
            message: "this server does not import into its archive"
          })
        }
        return json(yield* deps.upload(ctx.request, ctx.access), 201)
      }),

    createExport: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        const body = yield* decodeStrict(CreateExport, yield* readJsonBody, "the request body")
        const item = yield* manager.submit(
          {
            did: yield* Handles.didOf(deps.archive, body.did, ctx.access),
            format: body.format,
            since: body.since,
            until: body.until,
            includeMedia: body.include_media
          },
          ctx.access
        )
        return json(render(item), 202, { location: links(item.id).self })
      }),

    listExports: (ctx) =>
      Effect.gen(function* () {
        const q = yield* query(ctx.url, ListQuery)
        const limit = q.limit === undefined ? 20 : /^\d{1,3}$/.test(q.limit) ? Number(q.limit) : Number.NaN
        if (!(limit >= 1 && limit <= 100)) {
          return yield* badRequest(
            `limit: expected an integer from 1 to 100, got ${JSON.stringify(q.limit?.slice(0, 20))} (in the query)`
          )
        }
        if (q.did !== undefined) yield* Did.validate(q.did)
        const page = yield* manager.list({ did: q.did, limit, cursor: q.cursor }, ctx.access)
        return json({ exports: page.items.map(render), next_cursor: page.nextCursor })
      }),

    getExport: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        return json(render(yield* manager.get(ctx.id, ctx.access)))
      }),

    deleteExport: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        yield* manager.remove(ctx.id, ctx.access)
        return HttpServerResponse.empty({ status: 204 })
      }),

    events: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        // HEAD: the headers a GET would get, without holding a stream.
        if (ctx.request.method === "HEAD") {
          yield* manager.get(ctx.id, ctx.access)
          return HttpServerResponse.empty({ status: 200, headers: { "content-type": Sse.CONTENT_TYPE } })
        }
        const header = ctx.request.headers["last-event-id"]
        const lastEventId = header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined
        const events = yield* Download.untilResponseEnds(
          ctx.request,
          Effect.andThen(streams.acquire(ctx.client), manager.watch(ctx.id, ctx.access, lastEventId))
        )
        return HttpServerResponse.stream(Sse.body(events, keepAlive, encode), {
          contentType: Sse.CONTENT_TYPE,
          headers: { "x-accel-buffering": "no" }
        })
      }),

    downloadLink: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        const item = yield* manager.get(ctx.id, ctx.access)
        if (item.status !== "completed") return yield* notCompleted(ctx.id, item.status)
        const { ticket, expiresAt } = tickets.issue(ctx.id)
        return json({ url: `${links(ctx.id).download}?ticket=${ticket}`, expires_at: expiresAt.toISOString() }, 201)
      }),

    download: (ctx) =>
      Effect.gen(function* () {
        if (ctx.url.searchParams.has("delete_after")) {
          return yield* badRequest(
            'delete_after is not accepted on GET (a GET never deletes): send POST to this URL with the JSON body {"delete_after": true}'
          )
        }
        yield* query(ctx.url, DownloadQuery)
        // HEAD: the headers a GET would get, without taking a download slot or reading a file.
        if (ctx.request.method === "HEAD") {
          const item = yield* manager.get(ctx.id, ctx.access)
          if (item.status !== "completed") return yield* notCompleted(ctx.id, item.status)
          const name = ExportId.decode(ctx.id)?.name ?? ""
          return HttpServerResponse.empty({ status: 200, headers: Download.headers(item.did, name) })
        }
        return yield* Download.respond(manager, ctx.request, ctx.id, ctx.access, false, redactor)
      }),

    downloadAndDelete: (ctx) =>
      Effect.gen(function* () {
        yield* noQuery(ctx.url)
        const body = yield* decodeStrict(DownloadBody, yield* readJsonBody, "the request body")
        return yield* Download.respond(manager, ctx.request, ctx.id, ctx.access, body.delete_after ?? false, redactor)
      })
  }
}
