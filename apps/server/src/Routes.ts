/**
 * The API's routes, described once: method, path, and what each does.
 * `Api` builds effect's `HttpRouter` from this table, and the tests walk it.
 * Before the router, `match` checks the raw request path against it (dot
 * segments and empty segments are never resolved, so they match no route; an
 * export id must match a strict pattern before it is decoded, so
 * percent-encoded slashes, NULs or dots never become a path) and tells an
 * unknown path (404) from another method (405).
 */
export type RouteName =
  | "listExports"
  | "createExport"
  | "getExport"
  | "deleteExport"
  | "events"
  | "download"
  | "downloadAndDelete"
  | "downloadLink"
  | "formats"
  | "session"
  | "accounts"
  | "importCar"

export interface Route {
  readonly name: RouteName
  readonly method: "GET" | "POST" | "DELETE"
  /** `:id` stands for an export id. */
  readonly path: string
  readonly summary: string
}

export const ROUTES: ReadonlyArray<Route> = [
  { name: "listExports", method: "GET", path: "/api/exports", summary: "exports, newest first (did, limit, cursor)" },
  { name: "createExport", method: "POST", path: "/api/exports", summary: "start an export (JSON body)" },
  {
    name: "getExport",
    method: "GET",
    path: "/api/exports/:id",
    summary: "one export, with its manifest once completed"
  },
  {
    name: "deleteExport",
    method: "DELETE",
    path: "/api/exports/:id",
    summary: "cancel a queued or running export, or delete a finished one"
  },
  { name: "events", method: "GET", path: "/api/exports/:id/events", summary: "live progress (server-sent events)" },
  {
    name: "download",
    method: "GET",
    path: "/api/exports/:id/download",
    summary: "the export as a ZIP (a ticket may stand for the token)"
  },
  {
    name: "downloadAndDelete",
    method: "POST",
    path: "/api/exports/:id/download",
    summary: 'the export as a ZIP; body {"delete_after": true} deletes it once fully sent'
  },
  {
    name: "downloadLink",
    method: "POST",
    path: "/api/exports/:id/download-link",
    summary: "a signed link for GET …/download, valid 60 s"
  },
  { name: "formats", method: "GET", path: "/api/formats", summary: "the formats offered" },
  {
    name: "session",
    method: "GET",
    path: "/api/session",
    summary: "who the caller is, and whether the server uses tokens"
  },
  {
    name: "accounts",
    method: "GET",
    path: "/api/accounts",
    summary: "the archive's accounts: did, handle (or null) and post count"
  },
  {
    name: "importCar",
    method: "POST",
    path: "/api/imports",
    summary: "import a repository CAR (the body, application/vnd.ipld.car) into the archive"
  }
]

/** The longest export id a path may hold. */
export const ID_MAX_LENGTH = 2800
/** An export id as it may appear in a path: the base64url alphabet only. */
const ID_SEGMENT = new RegExp(`^[A-Za-z0-9_-]{1,${ID_MAX_LENGTH}}$`)

export type Match =
  | { readonly _tag: "Found"; readonly route: Route; readonly id: string }
  | { readonly _tag: "MethodNotAllowed"; readonly allowed: ReadonlyArray<string> }
  | { readonly _tag: "NoSuchExport" }
  | { readonly _tag: "NoRoute" }

const split = (path: string) => path.split("/")

/** The route for `method` (HEAD: the GET route) and the raw `path`. */
export const match = (method: string, path: string): Match => {
  const segments = split(path)
  const candidates: Array<{ route: Route; id: string }> = []
  let badId = false
  for (const route of ROUTES) {
    const pattern = split(route.path)
    if (pattern.length !== segments.length) continue
    let id = ""
    let ok = true
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i] === ":id") id = segments[i]!
      else ok = pattern[i] === segments[i]
    }
    if (!ok) continue
    // Anything but the id alphabet (".", "%", NUL…) is an id that cannot exist.
    if (route.path.includes(":id") && !ID_SEGMENT.test(id)) {
      badId = true
      continue
    }
    candidates.push({ route, id })
  }
  if (candidates.length === 0) return badId ? { _tag: "NoSuchExport" } : { _tag: "NoRoute" }
  // HEAD is answered as GET without a body (the router does the same).
  const wanted = method === "HEAD" ? "GET" : method
  const found = candidates.find((c) => c.route.method === wanted)
  if (found !== undefined) return { _tag: "Found", route: found.route, id: found.id }
  return {
    _tag: "MethodNotAllowed",
    allowed: candidates.flatMap((c) => (c.route.method === "GET" ? ["GET", "HEAD"] : [c.route.method]))
  }
}
