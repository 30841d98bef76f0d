/**
 * The one place job and core errors become HTTP answers: a status, a stable
 * code, and a message that speaks the API's words. Core messages are shared
 * with the CLI and may name flags (`--since`); here they name the API field
 * (`since`). No answer shows a server path: the output folder, archive and
 * media folder are named by role, and any other quoted absolute path is
 * replaced.
 */
import type { InvalidRequest, Manifest, Progress } from "@skyporter/core"
import type {
  ExportInProgress,
  ExportNotCompleted,
  ExportNotFound,
  Forbidden,
  ShuttingDown,
  TooManyDownloads
} from "@skyporter/jobs"
import * as path from "node:path"
import { ApiError } from "./Http.js"

export type JobError =
  | InvalidRequest
  | ExportNotFound
  | ExportInProgress
  | ExportNotCompleted
  | TooManyDownloads
  | Forbidden
  | ShuttingDown
  | ApiError

/** CLI flags as the API names them. */
const FIELDS: Record<string, string> = {
  since: "since",
  until: "until",
  did: "did",
  format: "format",
  media: "include_media",
  "media-root": "include_media",
  limit: "limit",
  cursor: "cursor"
}

/**
 * Rewrites `--flag` (and the second of a pair, `--since/--until`) to the API field it stands for.
 * Only flags the API has a field for, and never inside `"…"`, where a stored path or value is quoted.
 */
export const apiWords = (message: string): string =>
  message.replace(
    /(^|[\s(']|(?<=(?:^|[\s(])--[a-z][a-z-]*)\/)--([a-z][a-z-]*)/g,
    (whole: string, before: string, flag: string) => (Object.hasOwn(FIELDS, flag) ? `${before}${FIELDS[flag]}` : whole)
  )

export interface Redactor {
  readonly redact: (message: string) => string
  /**
   * A media file's path as answers show it: inside the media root as
   * `<media root>/a/b.jpg`, any other absolute path by its name alone
   * (`<path>/b.jpg`), a relative one (from the media root) as it is.
   */
  readonly mediaPath: (file: string) => string
  /** A manifest as answers show it: its media paths through `mediaPath`, its warnings too. */
  readonly manifest: (manifest: Manifest.Manifest) => Manifest.Manifest
  /** A progress snapshot as answers and event streams show it: its error message in API words, redacted. */
  readonly snapshot: (snapshot: Progress.ProgressSnapshot) => Progress.ProgressSnapshot
}

/**
 * Replaces the server's own paths (by role) and any other quoted absolute
 * path; `mediaRoot` is the folder the archive's media paths start from.
 */
export const makeRedactor = (
  paths: ReadonlyArray<readonly [path: string, role: string]>,
  mediaRoot?: string
): Redactor => {
  const known = paths.filter(([p]) => p.length > 1).sort((a, b) => b[0].length - a[0].length)
  const mediaPath = (file: string): string => {
    if (!path.isAbsolute(file)) return file
    const resolved = path.resolve(file)
    const inside = mediaRoot === undefined ? ".." : path.relative(mediaRoot, resolved)
    if (inside === "") return "<media root>"
    if (!inside.startsWith("..") && !path.isAbsolute(inside)) return `<media root>/${inside.split(path.sep).join("/")}`
    return `<path>/${path.basename(resolved)}`
  }
  const redact = (message: string): string => {
    let text = message
    for (const [p, role] of known) text = text.split(p).join(role)
    // Node's errno messages quote the path: "ENOENT: no such file or directory, open '/x/y'".
    return text.replace(/'\/[^']*'/g, "'<path>'")
  }
  // Media warnings and errors quote the path as a JSON string: `media file "/x/y.jpg" of at://…
  // skipped: …`. Each string literal is taken whole (escaped quotes and backslashes too) and its
  // path mapped.
  const quoted = (message: string): string =>
    redact(
      message.replace(/"(?:[^"\\]|\\.)*"/g, (literal: string) => {
        let file: unknown
        try {
          file = JSON.parse(literal)
        } catch {
          return literal
        }
        return typeof file === "string" && path.isAbsolute(file) ? JSON.stringify(mediaPath(file)) : literal
      })
    )
  return {
    redact,
    mediaPath,
    snapshot: (snapshot) =>
      snapshot.error === null
        ? snapshot
        : { ...snapshot, error: { ...snapshot.error, message: quoted(apiWords(snapshot.error.message)) } },
    manifest: (manifest) => ({
      ...manifest,
      missing_media: manifest.missing_media.map((m) => ({ ...m, file_path: mediaPath(m.file_path) })),
      warnings: { ...manifest.warnings, messages: manifest.warnings.messages.map(quoted) }
    })
  }
}

/** A job or core error as the API answers it. */
export const toApiError = (e: JobError, redactor: Redactor): ApiError => {
  const message = redactor.redact(apiWords(e.message))
  switch (e._tag) {
    case "ApiError":
      return new ApiError({ status: e.status, code: e.code, message: redactor.redact(e.message) })
    case "InvalidRequest":
      return new ApiError({ status: 400, code: "invalid_field", message })
    case "ExportNotFound":
      return new ApiError({ status: 404, code: "not_found", message })
    case "ExportInProgress":
      return new ApiError({ status: 409, code: "export_in_progress", message })
    case "ExportNotCompleted":
      return new ApiError({ status: 409, code: "not_completed", message })
    case "TooManyDownloads":
      return new ApiError({ status: 429, code: "too_many_downloads", message })
    case "Forbidden":
      return new ApiError({ status: 403, code: "forbidden", message })
    case "ShuttingDown":
      return new ApiError({ status: 503, code: "shutting_down", message })
  }
}
