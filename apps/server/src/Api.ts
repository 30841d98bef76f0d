/**
 * The HTTP app. Every request passes the guards first (the Host check, then
 * for writes the same-origin check), then effect's `HttpRouter` built from
 * the route table (`Routes`), then authentication, then its handler: each
 * decodes its input at the edge (Schema), calls the job manager, and renders
 * the result or error as JSON.
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type { Archive, FormatRegistry } from "@skyporter/core"
import { JobManager } from "@skyporter/jobs"
import { Cause, Duration, Effect } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createHash } from "node:crypto"
import { type JobError, makeRedactor, type Redactor, toApiError } from "./ApiErrors.js"
import type * as Auth from "./Auth.js"
import * as Guard from "./Guard.js"
import * as Handlers from "./Handlers.js"
import { ApiError, errorResponse, notFound, SECURITY_HEADERS } from "./Http.js"
import * as Routes from "./Routes.js"
import * as Sse from "./Sse.js"
import type { StaticFile } from "./Static.js"
import type * as Upload from "./Upload.js"

export { downloadName } from "./Download.js"

export interface AppOptions {
  readonly manager: JobManager.JobManagerShape
  readonly registry: FormatRegistry.FormatRegistryShape
  /** For the account list. */
  readonly archive?: Archive.ArchiveShape | undefined
  /** Undefined: no authentication (loopback only). */
  readonly auth: Auth.Auth | undefined
  readonly tickets: Auth.Tickets
  readonly files: ReadonlyMap<string, StaticFile>
  /** The Host values answered without authentication (see `Guard.loopbackHosts`); ignored with `auth`. */
  readonly allowedHosts?: ReadonlySet<string> | undefined
  /** Server paths never shown in answers, with the word shown instead. */
  readonly privatePaths?: ReadonlyArray<readonly [path: string, role: string]> | undefined
  /** The folder the archive's media paths start from: manifests show media files relative to it. */
  readonly mediaRoot?: string | undefined
  /** Caps on concurrent event streams. */
  readonly streams?: Sse.LimitOptions | undefined
  /** Interval of the SSE keep-alive comment (default 15 s). */
  readonly keepAliveMillis?: number | undefined
  /** Imports of uploaded CARs (`POST /api/imports`); undefined: refused. */
  readonly upload?: Upload.Receive | undefined
  /** Called with internal errors (500 `internal_error`), one entry each with its cause. */
  readonly log?: ((line: string) => void) | undefined
  /** Also log each request's method, path and status (no headers, no query). */
  readonly logRequests?: boolean | undefined
}

const KNOWN_ERRORS = new Set([
  "ApiError",
  "InvalidRequest",
  "ExportNotFound",
  "ExportInProgress",
  "ExportNotCompleted",
  "TooManyDownloads",
  "Forbidden",
  "ShuttingDown"
])

/** The path of an absolute-form target (`http://host/a/b?q` → `/a/b`) as sent; undefined for another form. */
const absolutePath = (target: string): string | undefined =>
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(target)?.[1]

export const make = Effect.fnUntraced(function* (options: AppOptions) {
  const { manager, auth, tickets } = options
  const redactor: Redactor = makeRedactor(options.privatePaths ?? [], options.mediaRoot)
  const guard: Guard.GuardOptions = {
    allowedHosts: auth === undefined ? options.allowedHosts : undefined,
    // Behind a reverse proxy (only with tokens) the page may be served over TLS.
    schemes: new Set(auth === undefined ? ["http:"] : ["http:", "https:"])
  }
  const handlers = Handlers.make({
    manager,
    registry: options.registry,
    archive: options.archive,
    authenticated: auth !== undefined,
    tickets,
    redactor,
    streams: Sse.makeLimit(options.streams),
    keepAlive: Duration.millis(options.keepAliveMillis ?? 15_000),
    upload: options.upload
  })

  const unauthorized = new ApiError({
    status: 401,
    code: "unauthorized",
    message: 'missing or invalid token: send "Authorization: Bearer <token>" with a token from the server\'s auth file'
  })

  /** One route's handler under the router: authentication, then the handler. */
  const dispatch = (name: Routes.RouteName) => (request: HttpServerRequest) =>
    Effect.gen(function* () {
      const id = (yield* HttpRouter.params)["id"] ?? ""
      const url = new URL(`http://localhost${request.url}`)
      // A download link stands for a token on one route only: GET of its own export's download.
      const ticket = url.searchParams.get("ticket")
      const ticketed = name === "download" && ticket !== null && tickets.verify(id, ticket)
      const authorization = request.headers["authorization"]
      const access = auth === undefined || ticketed ? JobManager.ALL : auth.check(authorization)
      if (access === undefined) return yield* unauthorized
      const client =
        auth === undefined || authorization === undefined
          ? `address:${request.remoteAddress._tag === "Some" ? request.remoteAddress.value : "unknown"}`
          : `token:${createHash("sha256").update(authorization).digest("base64url")}`
      return yield* handlers[name]({ request, url, access, client, id })
    })

  /** The API on effect's router, built from the one route table. */
  // The router's own cap on a path parameter (100 characters by default) would fail an id that
  // `Routes.match` accepts: an export of a long DID (did:web) could not be followed or downloaded.
  const router = yield* HttpRouter.toHttpEffect(
    HttpRouter.addAll(Routes.ROUTES.map((r) => HttpRouter.route(r.method, r.path as `/${string}`, dispatch(r.name))))
  ).pipe(Effect.provideService(HttpRouter.RouterConfig, { maxParamLength: Routes.ID_MAX_LENGTH }))

  /** Unknown paths, other methods and impossible ids get their own answers; the rest goes to the router. */
  const api = (request: HttpServerRequest, pathname: string) =>
    Effect.gen(function* () {
      const found = Routes.match(request.method, pathname)
      switch (found._tag) {
        case "NoRoute":
          return yield* notFound(`no route ${request.method} ${pathname.slice(0, 200)}`)
        case "NoSuchExport":
          return yield* notFound("no export with this id")
        case "MethodNotAllowed":
          return yield* new ApiError({
            status: 405,
            code: "method_not_allowed",
            message: `${request.method} is not allowed here; allowed: ${found.allowed.join(", ")}`
          })
      }
      return yield* router
    })

  const toResponse = (request: HttpServerRequest, pathname: string) => (cause: Cause.Cause<unknown>) => {
    const error = Cause.squash(cause)
    if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
    const tag = (error as { _tag?: string } | undefined)?._tag
    // The router fails with `HttpServerError` whose reason is `RouteNotFound`.
    const reason = (error as { reason?: { _tag?: string } } | undefined)?.reason?._tag
    if (tag === "RouteNotFound" || reason === "RouteNotFound") {
      return Effect.succeed(errorResponse(notFound(`no route ${request.method} ${pathname.slice(0, 200)}`)))
    }
    if (tag !== undefined && KNOWN_ERRORS.has(tag) && Cause.hasFails(cause)) {
      const apiError = toApiError(error as JobError, redactor)
      // A timed-out upload's connection is closed, not drained: its client may go on sending slowly.
      const headers: Record<string, string> =
        apiError.status === 429
          ? { "retry-after": String(Sse.RETRY_AFTER_SECONDS) }
          : apiError.status === 408
            ? { connection: "close" }
            : {}
      return Effect.succeed(errorResponse(apiError, headers))
    }
    options.log?.(`internal error on ${request.method} ${pathname.slice(0, 200)}: ${Cause.pretty(cause)}`)
    return Effect.succeed(
      errorResponse(new ApiError({ status: 500, code: "internal_error", message: "internal error" }))
    )
  }

  const app = Effect.gen(function* () {
    const request = yield* HttpServerRequest
    // Paths are matched raw, as the router sees them: `/a/../b` or `//host/…` is no route, never
    // another one. Only the query is parsed.
    const target = request.url
    const end = target.search(/[?#]/)
    const pathname = end < 0 ? target : target.slice(0, end)
    const invalid = (message: string) =>
      HttpServerResponse.setHeaders(
        errorResponse(new ApiError({ status: 400, code: "invalid_request", message })),
        SECURITY_HEADERS
      )
    if (!pathname.startsWith("/") || !URL.canParse(`http://localhost${target}`)) {
      return invalid("the request target is not a valid path: send a path starting with / (and a query)")
    }
    // The absolute form (`GET http://host/path`, from proxies) reaches us resolved by the HTTP layer;
    // one whose path resolving would change is refused, as an origin-form path is never resolved.
    const sent = absolutePath(NodeHttpServerRequest.toIncomingMessage(request).url ?? target)
    if (sent !== undefined && ((sent !== "" && sent !== pathname) || sent.includes("//"))) {
      return invalid(
        "the request target's path would change when resolved (a . or .. segment, an empty segment, " +
          "or a character to escape): send the path as it is meant"
      )
    }
    const isApi = pathname.startsWith("/api/") || pathname === "/api"
    const refused =
      Guard.checkHost(guard, request.headers["host"]) ??
      (isApi ? Guard.checkSameOrigin(guard, request.method, request.headers) : undefined)
    let response: HttpServerResponse.HttpServerResponse
    if (refused !== undefined) {
      response = HttpServerResponse.setHeader(errorResponse(refused), "cache-control", "no-store")
    } else if (pathname === "/healthz") {
      response =
        request.method === "GET" || request.method === "HEAD"
          ? HttpServerResponse.jsonUnsafe({ status: "ok" }, { status: 200, headers: { "cache-control": "no-store" } })
          : errorResponse(new ApiError({ status: 405, code: "method_not_allowed", message: "use GET" }))
    } else if (!isApi) {
      const file = options.files.get(pathname)
      response =
        file !== undefined && (request.method === "GET" || request.method === "HEAD")
          ? HttpServerResponse.uint8Array(file.body, {
              contentType: file.type,
              headers: { "cache-control": "no-cache" }
            })
          : errorResponse(notFound(`no page ${pathname.slice(0, 200)}`))
    } else {
      response = yield* api(request, pathname).pipe(
        Effect.catchCause(toResponse(request, pathname)),
        Effect.map(HttpServerResponse.setHeader("cache-control", "no-store"))
      )
    }
    if (response.status === 401) response = HttpServerResponse.setHeader(response, "www-authenticate", "Bearer")
    if (options.logRequests === true) options.log?.(`${request.method} ${pathname.slice(0, 200)} ${response.status}`)
    return HttpServerResponse.setHeaders(response, SECURITY_HEADERS)
  })

  return app
})
