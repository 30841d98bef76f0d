/**
 * Server-sent events for one export's progress, and the cap on streams per
 * client. A stream holds a connection for as long as the export runs, so one
 * client (a token, or an address without authentication) may hold at most
 * `perClient`, and the server at most `total`: past either the answer is 429
 * with `Retry-After`, and short requests such as `/healthz` always find room.
 */
import type { JobManager } from "@skyporter/jobs"
import { Duration, Effect, Scope, Stream } from "effect"
import type { Redactor } from "./ApiErrors.js"
import { ApiError } from "./Http.js"

export const CONTENT_TYPE = "text/event-stream; charset=utf-8"

const utf8 = new TextEncoder()

/**
 * An event's bytes, its snapshot shown as the JSON answers show it (no server
 * path). Each event is encoded once, however many watchers it goes to.
 */
export const encoder = (redactor: Redactor): ((e: JobManager.JobEvent) => Uint8Array) => {
  const encoded = new WeakMap<JobManager.JobEvent, Uint8Array>()
  return (e) => {
    let bytes = encoded.get(e)
    if (bytes === undefined) {
      const data = JSON.stringify(redactor.snapshot(e.snapshot))
      bytes = utf8.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${data}\n\n`)
      encoded.set(e, bytes)
    }
    return bytes
  }
}
const OPENING = utf8.encode("retry: 2000\n: connected\n\n")
const KEEP_ALIVE = utf8.encode(": keep-alive\n\n")

/** The SSE body: an opening comment, the events, and a keep-alive comment every `keepAlive`. */
export const body = (
  events: Stream.Stream<JobManager.JobEvent>,
  keepAlive: Duration.Duration,
  encode: (e: JobManager.JobEvent) => Uint8Array
): Stream.Stream<Uint8Array> =>
  Stream.make(OPENING).pipe(
    Stream.concat(Stream.map(events, encode)),
    Stream.merge(
      Stream.map(Stream.drop(Stream.tick(keepAlive), 1), () => KEEP_ALIVE),
      { haltStrategy: "left" }
    )
  )

/** Streams one client may hold, unless `LimitOptions` says otherwise. */
export const DEFAULT_PER_CLIENT = 32
/** Streams the server holds in all, unless `LimitOptions` says otherwise. */
export const DEFAULT_TOTAL = 1024

export interface LimitOptions {
  /** Streams one client may hold (default `DEFAULT_PER_CLIENT`). */
  readonly perClient?: number | undefined
  /** Streams the server holds in all (default `DEFAULT_TOTAL`). */
  readonly total?: number | undefined
}

/** Seconds a refused client is told to wait. */
export const RETRY_AFTER_SECONDS = 5

export interface StreamLimit {
  /** Counts one stream for `client` until the scope closes; 429 past a cap. */
  readonly acquire: (client: string) => Effect.Effect<void, ApiError, Scope.Scope>
}

export const makeLimit = (options: LimitOptions = {}): StreamLimit => {
  const perClient = Math.max(1, options.perClient ?? DEFAULT_PER_CLIENT)
  const total = Math.max(1, options.total ?? DEFAULT_TOTAL)
  const open = new Map<string, number>()
  let all = 0
  const refuse = (why: string) =>
    new ApiError({
      status: 429,
      code: "too_many_streams",
      message: `${why}; close an event stream (a tab following an export) or retry in ${RETRY_AFTER_SECONDS} seconds`
    })
  return {
    acquire: (client) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const mine = open.get(client) ?? 0
          if (mine >= perClient) {
            return Effect.fail(refuse(`this client already follows ${perClient} exports, the most allowed`))
          }
          if (all >= total) {
            return Effect.fail(refuse(`the server already serves ${total} event streams, the most allowed`))
          }
          open.set(client, mine + 1)
          all++
          return Effect.void
        }),
        () =>
          Effect.sync(() => {
            const mine = (open.get(client) ?? 1) - 1
            if (mine === 0) open.delete(client)
            else open.set(client, mine)
            all--
          })
      )
  }
}
