/**
 * `skyporter serve`: the job manager behind the HTTP app, on Node's HTTP
 * server. It refuses to listen beyond loopback without authentication,
 * prints its URL once listening, and on interruption (SIGINT/SIGTERM through
 * the runtime) cancels every export — watchers get their final `cancelled`
 * event and temporary files are removed — before the server closes.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Archive, describe, ExportRequest, FormatRegistry, InvalidRequest } from "@skyporter/core"
import { JobManager, OutputFolder } from "@skyporter/jobs"
import { Context, Effect, Layer, Schema } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import { createServer } from "node:http"
import { isIP } from "node:net"
import * as path from "node:path"
import * as Api from "./Api.js"
import * as Auth from "./Auth.js"
import * as Guard from "./Guard.js"
import type * as Sse from "./Sse.js"
import * as Static from "./Static.js"
import * as Upload from "./Upload.js"

/** The server cannot listen (the port is taken, not permitted): no fault of the options, exit 1. */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  message: Schema.String
}) {}

export interface ServeOptions {
  /** The bskyarchive archive. */
  readonly db: string
  /** Where exports are published (`<out>/<did>/<name>/`). */
  readonly out: string
  /** Default 127.0.0.1. Anything but loopback needs `authFile`. */
  readonly host?: string | undefined
  /** Default 8787; 0 picks a free port (see `onListening`). */
  readonly port?: number | undefined
  /** The auth file (see `Auth`); without it every DID is served, on loopback only. */
  readonly authFile?: string | undefined
  /** Exports running at once (default 2). */
  readonly maxRunning?: number | undefined
  /** With include_media: the folder the archive's media paths start from. */
  readonly mediaRoot?: string | undefined
  /** The formats offered. */
  readonly registry: FormatRegistry.FormatRegistryShape
  /** Options for a format (e.g. from a config file). */
  readonly formatOptions?: ((format: string) => unknown) | undefined
  /** Called once listening, with the base URL (`http://127.0.0.1:8787/`). */
  readonly onListening?: ((url: string) => void) | undefined
  /** Job transitions and requests, one line each (never a header or token). */
  readonly log?: ((line: string) => void) | undefined
  /** SSE keep-alive comment interval in ms, an integer from 1 to `MAX_KEEP_ALIVE_MILLIS` (default 15 s). */
  readonly keepAliveMillis?: number | undefined
  /** Passed to the job manager (tests). */
  readonly batchSize?: number | undefined
  /** Threads each export reads and encodes on, 1 to 32 (default: the cores available, at most 4). */
  readonly threads?: number | undefined
  /** The largest CAR upload accepted: bytes, or a size such as `2GiB` (default 2 GiB). */
  readonly maxUpload?: number | string | undefined
  /** Caps on concurrent event streams (default 32 per client, 1,024 in all). */
  readonly streams?: Sse.LimitOptions | undefined
  /** An upload that sends nothing for this many ms (an integer, 1 or more) is refused with 408 (default 60 s). */
  readonly uploadIdleMillis?: number | undefined
}

/** One day: an interval that long keeps no idle connection open, so more is taken for a typing mistake. */
export const MAX_KEEP_ALIVE_MILLIS = 86_400_000

/** 127.0.0.0/8, ::1 and localhost. */
export const isLoopback = (host: string): boolean => {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  if (h === "localhost") return true
  if (isIP(h) === 4) return h.startsWith("127.")
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("::ffff:127.")
  return false
}

/** Refuses a host the server must not listen on. */
export const checkHost = (host: string, authFile: string | undefined): Effect.Effect<string, InvalidRequest> => {
  const h = host.replace(/^\[(.*)\]$/, "$1")
  if (h !== "localhost" && isIP(h) === 0) {
    return Effect.fail(
      new InvalidRequest({
        field: "host",
        message: `invalid --host ${JSON.stringify(host)}: expected an IP address such as 127.0.0.1 or ::1`
      })
    )
  }
  if (authFile === undefined && !isLoopback(h)) {
    return Effect.fail(
      new InvalidRequest({
        field: "host",
        message:
          `refusing to listen on ${host} without --auth: anyone who can reach it could read and delete ` +
          `every account's exports. Pass --auth FILE (tokens per DID, see the README) or use --host 127.0.0.1`
      })
    )
  }
  return Effect.succeed(h)
}

const checkPort = (port: number): Effect.Effect<number, InvalidRequest> =>
  Number.isInteger(port) && port >= 0 && port <= 65535
    ? Effect.succeed(port)
    : Effect.fail(new InvalidRequest({ field: "port", message: `invalid --port ${port}: expected 0 to 65535` }))

const urlOf = (address: HttpServer.HttpServer["Service"]["address"]): string => {
  const url = HttpServer.formatAddress(address)
  return url.endsWith("/") ? url : `${url}/`
}

/** Runs the server until interrupted. Fails before listening when an option or the archive is unusable. */
export const run = Effect.fn("Server.run")(function* (options: ServeOptions) {
  const host = yield* checkHost(options.host ?? "127.0.0.1", options.authFile)
  const port = yield* checkPort(options.port ?? 8787)
  const maxRunning = options.maxRunning ?? 2
  if (!(Number.isInteger(maxRunning) && maxRunning >= 1 && maxRunning <= 64)) {
    return yield* new InvalidRequest({
      field: "max-running",
      message: `invalid --max-running ${maxRunning}: expected 1 to 64`
    })
  }
  const threads = options.threads
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= ExportRequest.MAX_THREADS)) {
    return yield* new InvalidRequest({
      field: "threads",
      message: `invalid --threads ${threads}: expected 1 to ${ExportRequest.MAX_THREADS}`
    })
  }
  const maxUpload =
    typeof options.maxUpload === "string"
      ? Upload.parseSize(options.maxUpload)
      : (options.maxUpload ?? Upload.DEFAULT_MAX_BYTES)
  if (maxUpload === undefined || !(Number.isInteger(maxUpload) && maxUpload >= 1)) {
    return yield* new InvalidRequest({
      field: "max-upload",
      message: `invalid --max-upload ${JSON.stringify(
        String(options.maxUpload)
      )}: expected a size such as 2GiB, 500MiB or a number of bytes`
    })
  }
  const uploadIdleMillis = options.uploadIdleMillis
  if (uploadIdleMillis !== undefined && !(Number.isInteger(uploadIdleMillis) && uploadIdleMillis >= 1)) {
    return yield* new InvalidRequest({
      field: "upload-idle-ms",
      message: `invalid --upload-idle-ms ${uploadIdleMillis}: expected an integer of 1 or more (milliseconds)`
    })
  }
  const keepAliveMillis = options.keepAliveMillis
  // Under 1 ms the keep-alive comments would be sent without pause.
  if (
    keepAliveMillis !== undefined &&
    !(Number.isInteger(keepAliveMillis) && keepAliveMillis >= 1 && keepAliveMillis <= MAX_KEEP_ALIVE_MILLIS)
  ) {
    return yield* new InvalidRequest({
      field: "keep-alive-ms",
      message: `invalid --keep-alive-ms ${keepAliveMillis}: expected an integer from 1 to ${MAX_KEEP_ALIVE_MILLIS} (milliseconds)`
    })
  }
  const auth = options.authFile === undefined ? undefined : yield* Auth.load(options.authFile)
  const files = Static.load()
  const log = options.log

  return yield* Effect.scoped(
    Effect.gen(function* () {
      const archiveLayer = Archive.Archive.layer({ path: options.db })
      const archive = Context.get(yield* Layer.build(archiveLayer), Archive.Archive)
      // Before anything listens, and once the archive opened (so a wrong --db creates no folder):
      // an output folder that cannot be used fails now, naming it and why.
      const out = yield* OutputFolder.ensure(options.out).pipe(
        Effect.mapError((e) => new InvalidRequest({ field: "out", message: `--out ${e.folder}: ${e.reason}` }))
      )
      const jobs = yield* Layer.build(
        JobManager.JobManager.layer({
          out,
          maxRunning,
          mediaRoot: options.mediaRoot,
          formatOptions: options.formatOptions,
          batchSize: options.batchSize,
          threads,
          log
        }).pipe(
          Layer.provide(Layer.succeed(Archive.Archive, archive)),
          Layer.provide(Layer.succeed(FormatRegistry.FormatRegistry, options.registry))
        )
      )
      const manager = Context.get(jobs, JobManager.JobManager)
      const server = Context.get(
        yield* Layer.build(
          // Idle keep-alive sockets stay open longer than clients keep them (undici:
          // 4 s), so a client never sends on a socket the server is closing.
          // A whole request, an upload included, must arrive within 15 minutes.
          NodeHttpServer.layerServer(
            () => createServer({ requestTimeout: 900_000, keepAliveTimeout: 65_000, headersTimeout: 66_000 }),
            {
              host,
              port,
              gracefulShutdownTimeout: "2 seconds"
            }
          )
        ).pipe(
          Effect.mapError(
            (e) =>
              new ListenFailed({
                message: `cannot listen on ${host.includes(":") ? `[${host}]` : host}:${port}: ${describe(e.cause)}`
              })
          )
        ),
        HttpServer.HttpServer
      )
      const port_ = "port" in server.address ? server.address.port : port
      const db = path.resolve(options.db)
      const app = yield* Api.make({
        manager,
        registry: options.registry,
        archive,
        auth,
        tickets: Auth.makeTickets(),
        files,
        allowedHosts: Guard.loopbackHosts(host, port_),
        privatePaths: [
          [out, "<out>"],
          [db, "<archive>"],
          [path.dirname(db), "<archive folder>"],
          ...(options.mediaRoot === undefined ? [] : [[path.resolve(options.mediaRoot), "<media root>"] as const])
        ],
        // As the core resolves it: without --media-root, the archive's folder.
        mediaRoot: options.mediaRoot === undefined ? path.dirname(db) : path.resolve(options.mediaRoot),
        streams: options.streams,
        upload: Upload.make({ manager, archive, out, maxBytes: maxUpload, idleMillis: uploadIdleMillis }),
        keepAliveMillis,
        log
      })
      yield* server.serve(app)
      options.onListening?.(urlOf(server.address))
      // Exports end first (watchers get their final event), then the server closes.
      return yield* Effect.never.pipe(
        Effect.onInterrupt(() =>
          Effect.andThen(
            Effect.sync(() => log?.("shutting down: cancelling running and queued exports")),
            manager.shutdown
          )
        )
      )
    })
  )
})
