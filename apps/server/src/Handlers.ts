/**
 * What each route does, by name (see `Routes`): decode the input at the edge
 * (Schema), call the job manager, render the result as JSON. Errors are left
 * to `Api`, which renders every one the same way.
 */
import { Accounts, Did, type Archive, type FormatRegistry } from "@skyporter/core"
import type { JobManager } from "@skyporter/jobs"
import { type Duration, Effect, Schema } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { JobError, Redactor } from "./ApiErrors.js"
import type * as Auth from "./Auth.js"
import * as Download from "./Download.js"
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

const Digits = Schema.String.check(Schema.isPattern(/^\d{1,6}$/))

const ListQuery = Schema.Struct({
  did: Schema.optional(Schema.String),
  limit: Schema.optional(Digits),
  cursor: Schema.optional(Schema.String)
})

const DownloadQuery = Schema.Struct({ ticket: Schema.optional(Schema.String) })

const DownloadBody = Schema.Struct({ delete_after: Schema.optional(Schema.Boolean) })

const NoQuery = Schema.Struct({})

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
  /** The archive's accounts the caller may see: a DID token sees its own. */
  const accountsFor = (access: JobManager.Access): ReadonlyArray<Accounts.Account> => {
    if (deps.archive === undefined) return []
    const all = Accounts.list(deps.archive.database)
    return (access.did === "*" ? all : all.filter((a) => a.did === access.did)).slice(0, MAX_ACCOUNTS)
  }
  const render = (item: JobManager.ExportItem) => {
    const error = item.progress.error
    const progress =
      error === null
        ? item.progress
        : { ...item.progress, error: { ...error, message: redactor.redact(error.message) } }
    return { ...item, progress, links: links(item.id) }
  }

  const query = <S extends Schema.Top & { readonly DecodingServices: never }>(url: URL, schema: S) => {
    const params: Record<string, string> = {}
    for (const [key, value] of url.searchParams) {
      if (key in params) return Effect.fail(badRequest(`query parameter ${JSON.stringify(key)} is given twice`))
      params[key] = value
    }
    return decodeStrict(schema, params, "the query")
  }

  return {
    formats: () =>
      Effect.sync(() =>
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

    session: (ctx) => Effect.succeed(json({ did: ctx.access.did, auth: deps.authenticated })),

    accounts: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        return json({ accounts: accountsFor(ctx.access) })
      }),

    importCar: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
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
        yield* query(ctx.url, NoQuery)
        const body = yield* decodeStrict(CreateExport, yield* readJsonBody, "the request body")
        const item = yield* manager.submit(
          {
            did: body.did,
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
        const limit = q.limit === undefined ? 20 : Number(q.limit)
        if (!(limit >= 1 && limit <= 100)) return yield* badRequest(`invalid limit ${q.limit}: expected 1 to 100`)
        if (q.did !== undefined) yield* Did.validate(q.did)
        const page = yield* manager.list({ did: q.did, limit, cursor: q.cursor }, ctx.access)
        return json({ exports: page.items.map(render), next_cursor: page.nextCursor })
      }),

    getExport: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        return json(render(yield* manager.get(ctx.id, ctx.access)))
      }),

    deleteExport: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        yield* manager.remove(ctx.id, ctx.access)
        return HttpServerResponse.empty({ status: 204 })
      }),

    events: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        const header = ctx.request.headers["last-event-id"]
        const lastEventId = header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined
        const events = yield* Download.untilResponseEnds(
          ctx.request,
          Effect.andThen(streams.acquire(ctx.client), manager.watch(ctx.id, ctx.access, lastEventId))
        )
        return HttpServerResponse.stream(Sse.body(events, keepAlive), {
          contentType: "text/event-stream; charset=utf-8",
          headers: { "x-accel-buffering": "no" }
        })
      }),

    downloadLink: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        const item = yield* manager.get(ctx.id, ctx.access)
        if (item.status !== "completed") {
          return yield* new ApiError({
            status: 409,
            code: "not_completed",
            message: `export ${ctx.id} is ${item.status}: only a completed export can be downloaded`
          })
        }
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
        return yield* Download.respond(manager, ctx.request, ctx.id, ctx.access, false)
      }),

    downloadAndDelete: (ctx) =>
      Effect.gen(function* () {
        yield* query(ctx.url, NoQuery)
        const body = yield* decodeStrict(DownloadBody, yield* readJsonBody, "the request body")
        return yield* Download.respond(manager, ctx.request, ctx.id, ctx.access, body.delete_after ?? false)
      })
  }
}
