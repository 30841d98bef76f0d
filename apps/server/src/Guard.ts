/**
 * What a browser on another site must never do through a user's browser.
 *
 * - **Host.** Without authentication the server answers only requests whose
 *   `Host` is a loopback name with the listening port, so a page on a
 *   rebinding domain (`evil.example` resolving to 127.0.0.1) gets 421. With
 *   authentication every request needs a token, so any Host is accepted (a
 *   reverse proxy may use its own name).
 * - **Cross-site writes.** A `POST` or `DELETE` whose `Origin` is not this
 *   server, or whose `Sec-Fetch-Site` says another site, is refused with 403.
 */
import { ApiError } from "./Http.js"

export interface GuardOptions {
  /** Undefined: any Host (authenticated mode). */
  readonly allowedHosts: ReadonlySet<string> | undefined
}

/** The loopback Host values for a server listening on `host`:`port`. */
export const loopbackHosts = (host: string, port: number): ReadonlySet<string> => {
  const names = new Set(["127.0.0.1", "localhost", "[::1]"])
  names.add(host.includes(":") ? `[${host.toLowerCase()}]` : host.toLowerCase())
  const hosts = new Set<string>()
  for (const name of names) {
    hosts.add(`${name}:${port}`)
    if (port === 80) hosts.add(name)
  }
  return hosts
}

/** 421 unless the Host header is allowed. */
export const checkHost = (options: GuardOptions, host: string | undefined): ApiError | undefined => {
  if (options.allowedHosts === undefined) return undefined
  const value = (host ?? "").toLowerCase()
  if (options.allowedHosts.has(value)) return undefined
  return new ApiError({
    status: 421,
    code: "host_not_allowed",
    message: `this server answers only for ${[...options.allowedHosts].join(", ")}, not ${JSON.stringify(
      value.slice(0, 100)
    )}: open it by one of those addresses (a server without --auth refuses other names)`
  })
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** 403 for a state-changing request sent from another site. */
export const checkSameOrigin = (
  method: string,
  headers: { readonly [key: string]: string | undefined }
): ApiError | undefined => {
  if (SAFE_METHODS.has(method)) return undefined
  const refuse = (why: string) =>
    new ApiError({
      status: 403,
      code: "cross_site_request",
      message: `${method} refused: ${why}; changes are accepted only from this server's own page or from non-browser clients`
    })
  const site = headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return refuse(`the request came from another site (${site})`)
  }
  const origin = headers["origin"]
  if (origin === undefined) return undefined
  let originHost: string
  try {
    originHost = new URL(origin).host.toLowerCase()
  } catch {
    return refuse(`its Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`)
  }
  if (originHost !== (headers["host"] ?? "").toLowerCase()) {
    return refuse(`its Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`)
  }
  return undefined
}
