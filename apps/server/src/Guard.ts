/**
 * What a browser on another site must never do through a user's browser.
 *
 * - **Host.** Without authentication the server answers only requests whose
 *   `Host` is a loopback name with the listening port, so a page on a
 *   rebinding domain (`evil.example` resolving to 127.0.0.1) gets 421. With
 *   authentication every request needs a token, so any Host is accepted (a
 *   reverse proxy may use its own name).
 * - **Cross-site requests.** An API request whose `Sec-Fetch-Site` says
 *   another site, or whose `Origin` is not this server (scheme, host and
 *   port), is refused with 403: a page elsewhere cannot write, nor hold event
 *   streams or downloads open. A write without `Origin` is refused on a
 *   foreign `Referer`.
 */
import { ApiError } from "./Http.js"

export interface GuardOptions {
  /** Undefined: any Host (authenticated mode). */
  readonly allowedHosts: ReadonlySet<string> | undefined
  /**
   * The schemes this server's page is served under, as `URL.protocol`: `http:`
   * on loopback; with authentication also `https:` (a TLS proxy in front).
   */
  readonly schemes: ReadonlySet<string>
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

/** `scheme://host[:port]` of a header's URL, lower-case, or undefined when it is not a URL. */
const originOf = (value: string): { scheme: string; host: string } | undefined => {
  try {
    const url = new URL(value)
    return { scheme: url.protocol, host: url.host.toLowerCase() }
  } catch {
    return undefined
  }
}

/**
 * 403 for an API request sent from another site. Any method: `Sec-Fetch-Site`
 * `cross-site`/`same-site`, or an `Origin` that is not this server (scheme,
 * host and port). A write without `Origin` (an old browser): a `Referer` that
 * is not this server.
 */
export const checkSameOrigin = (
  options: GuardOptions,
  method: string,
  headers: { readonly [key: string]: string | undefined }
): ApiError | undefined => {
  const write = !SAFE_METHODS.has(method)
  const refuse = (why: string) =>
    new ApiError({
      status: 403,
      code: "cross_site_request",
      message: write
        ? `${method} refused: ${why}; changes are accepted only from this server's own page or from non-browser clients`
        : `${method} refused: ${why}; the API answers only this server's own page and non-browser clients`
    })
  const site = headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return refuse(`the request came from another site (${site.slice(0, 20)})`)
  }
  const host = (headers["host"] ?? "").toLowerCase()
  const isThisServer = (o: { scheme: string; host: string } | undefined) =>
    o !== undefined && options.schemes.has(o.scheme) && o.host === host
  const origin = headers["origin"]
  if (origin !== undefined) {
    return isThisServer(originOf(origin))
      ? undefined
      : refuse(`its Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`)
  }
  const referer = headers["referer"]
  if (write && referer !== undefined && !isThisServer(originOf(referer))) {
    return refuse("its Referer is another site")
  }
  return undefined
}
