/**
 * The web page: a fixed set of files from `public/`, read once at start.
 * Request paths are looked up in this table and never reach the filesystem.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

// Found by package name: the CLI's bundle inlines this module elsewhere.
const PUBLIC = pathToFileURL(
  path.join(path.dirname(createRequire(import.meta.url).resolve("@skyporter/server/package.json")), "public") + "/"
)

const FILES: ReadonlyArray<readonly [route: string, file: string, type: string]> = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/app.css", "app.css", "text/css; charset=utf-8"],
  ["/favicon.svg", "favicon.svg", "image/svg+xml"]
]

export interface StaticFile {
  readonly body: Uint8Array
  readonly type: string
}

/** The page's files by URL path. */
export const load = (): ReadonlyMap<string, StaticFile> =>
  new Map(
    FILES.map(([route, file, type]) => [route, { body: readFileSync(fileURLToPath(new URL(file, PUBLIC))), type }])
  )
