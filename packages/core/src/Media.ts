/**
 * Media: the files named by the `media` rows of the exported posts, copied
 * into the export's `media/` folder.
 *
 * Rows are read in the export's snapshot, one query per batch of posts, in
 * export order (then `media` rowid, the order bskyarchive stored them). A
 * row's `file_path` is used as stored when absolute, else resolved against
 * the media root; either way the file must lie inside the media root once
 * every symlink is resolved (`realpath`), and be a regular file. A file is
 * copied into the export folder's `media/` (the kernel's copy, then read back
 * once to hash it; all flushed at the end) or, in a ZIP export, read once
 * into the archive as a `media/<name>` entry, hashed on the way
 * (`internal/MediaTarget`).
 *
 * Naming: a file is stored under its basename, as bskyarchive does. Rows
 * sharing a file get one copy. A name can hold one file: another path with
 * the same basename is the same file when its bytes are equal (then nothing
 * more is copied), and is otherwise refused as `name_conflict` — the first
 * file in export order keeps the name. A row whose file is not copied never
 * fails the export: it is listed in the manifest's `missing_media` and
 * counted in its warnings.
 */
import { type ZipFile, ZipWriter } from "@skyporter/zip"
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as BatchSource from "./BatchSource.js"
import { describe, ExportFailed } from "./Errors.js"
import * as MediaTarget from "./internal/MediaTarget.js"
import { writeReason } from "./internal/OutputFile.js"
import type * as Manifest from "./Manifest.js"

/** The folder of an export that holds its media files. */
export const DIRECTORY = MediaTarget.DIRECTORY

/** The folder relative media paths start from, and every media file must lie in: `mediaRoot`, else the archive's folder. */
export const rootOf = (mediaRoot: string | undefined, archivePath: string): string =>
  path.resolve(mediaRoot ?? path.dirname(path.resolve(archivePath)))

const failed = (message: string) => new ExportFailed({ stage: "media", message })

const readFailed = (e: ExportFailed) =>
  failed(
    /no such table/.test(e.message)
      ? `the archive has no media table to copy media files from (${e.message})`
      : `cannot read the archive's media rows: ${e.message}`
  )

/**
 * The distinct stored paths of the selection's media rows, counted in the
 * snapshot: the files the export will try to copy (`media_total`).
 */
export const count: (
  snapshot: BatchSource.Snapshot,
  selection: BatchSource.Selection
) => Effect.Effect<number, ExportFailed> = Effect.fn("Media.count")(function* (
  snapshot: BatchSource.Snapshot,
  selection: BatchSource.Selection
) {
  const { params, sql } = BatchSource.where(selection)
  const rows = yield* snapshot
    .query(
      `SELECT COUNT(DISTINCT m.file_path) FROM (SELECT uri FROM posts WHERE ${sql}) AS p ` +
        "JOIN media AS m ON m.post_uri = p.uri",
      params
    )
    .pipe(Effect.mapError(readFailed))
  return Number(rows[0]?.[0] ?? 0)
})

/** Files looked at (realpath, stat) at once. */
const INSPECTIONS = 16

/** The media rows of a batch's posts, in the batch's order. */
const ROWS_SQL =
  "SELECT m.hash, m.post_uri, m.file_path FROM json_each(@uris) AS j " +
  "JOIN media AS m ON m.post_uri = j.value ORDER BY j.key, m.rowid"

const text = (v: unknown): string =>
  typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString("utf8") : v === null || v === undefined ? "" : String(v)

const REASONS: Record<Manifest.MissingReason, string> = {
  not_found: "no such file",
  not_regular: "not a regular file",
  unreadable: "the file cannot be read",
  outside_root: "the path leads outside the media root",
  invalid_path: "not a usable file path",
  name_conflict: "a different file already has this name in media/"
}

/** Whether `p` is `dir` or lies under it (both absolute and normalized). */
const inside = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

export interface CopierOptions {
  /** The media root: relative `file_path`s resolve against it and every file must lie in it. */
  readonly root: string
  /** The export's (temporary) directory; files go to its `media/`. */
  readonly dir: string
  /** A ZIP export's archive: files go into it as `media/<name>` entries (dated `mtime`) instead. */
  readonly zip?: { readonly archive: ZipFile.ZipFile; readonly mtime: Date } | undefined
  /** The export's warnings: each file not copied adds one. */
  readonly warnings: BatchSource.Warnings
  /** Called after each file copied, with the count so far (progress). */
  readonly onCopied: (copied: number) => Effect.Effect<void>
}

export interface Copier {
  /** Copies the media files of these posts (a batch, in export order). */
  readonly copyBatch: (uris: ReadonlyArray<string>) => Effect.Effect<void, ExportFailed>
  /** Flushes the copied files and the `media/` folder to disk (an archive is flushed as it is closed). */
  readonly finish: Effect.Effect<void, ExportFailed>
  /** Files copied so far, as manifest entries (`media/<name>`), in export order. */
  readonly files: ReadonlyArray<Manifest.FileEntry>
  /** Rows whose file was not copied, in export order. */
  readonly missing: ReadonlyArray<Manifest.MissingMedia>
}

/** Who holds a name in `media/`: the path that claimed it, and its copy or the reason it was skipped. */
interface Claim {
  readonly resolved: string
  readonly real?: string
  readonly file?: Manifest.FileEntry
  readonly reason?: Manifest.MissingReason
}

interface Item {
  /** Position in the batch's rows: results are put back in this order. */
  readonly index: number
  readonly row: Omit<Manifest.MissingMedia, "reason">
  readonly resolved: string
  readonly name: string
}

type Outcome =
  | { readonly _tag: "Copied"; readonly file: Manifest.FileEntry }
  | { readonly _tag: "Shared" }
  | { readonly _tag: "Missing"; readonly reason: Manifest.MissingReason }

const missingOutcome = (reason: Manifest.MissingReason): Outcome => ({ _tag: "Missing", reason })
const SHARED: Outcome = { _tag: "Shared" }

/** A copier for one export, reading media rows through the export's snapshot. */
export const make = Effect.fn("Media.make")(function* (snapshot: BatchSource.Snapshot, options: CopierOptions) {
  const root = path.resolve(options.root)
  const realRoot = yield* Effect.tryPromise({
    try: () => fs.realpath(root),
    catch: (e) => failed(`cannot use the media root ${root}: ${describe(e)}`)
  })
  const destination =
    options.zip === undefined
      ? MediaTarget.folder(options.dir)
      : MediaTarget.archive(options.zip.archive, options.zip.mtime)
  const claims = new Map<string, Claim>()
  const files: Array<Manifest.FileEntry> = []
  const missing: Array<Manifest.MissingMedia> = []
  let copied = 0

  /**
   * Where a stored path leads, and the name its file gets; undefined when it
   * cannot name a file, or not one every archive can hold (a backslash, say).
   */
  const locate = (filePath: string): { readonly resolved: string; readonly name: string } | undefined => {
    if (filePath === "" || filePath.includes("\0")) return undefined
    const resolved = path.resolve(root, filePath)
    const name = path.basename(resolved)
    return ZipWriter.checkName(name) === undefined ? { resolved, name } : undefined
  }

  /** The real path of a regular file inside the root, or why there is none. */
  const inspect = async (resolved: string): Promise<{ readonly real: string } | Manifest.MissingReason> => {
    // Refused before touching the disk: whether a file exists outside the root is not our business.
    if (!inside(root, resolved) && !inside(realRoot, resolved)) return "outside_root"
    try {
      const real = await fs.realpath(resolved)
      if (!inside(realRoot, real)) return "outside_root"
      return (await fs.stat(real)).isFile() ? { real } : "not_regular"
    } catch (e) {
      return MediaTarget.reasonOf(e)
    }
  }

  /** Whether a file has the bytes of a copied one. */
  const sameBytes = async (real: string, file: Manifest.FileEntry): Promise<boolean> => {
    if ((await fs.stat(real)).size !== file.bytes) return false
    return (await MediaTarget.digestFile(real)).sha256 === file.sha256
  }

  type Found = Awaited<ReturnType<typeof inspect>>

  const place = (item: Item, inspected: ReadonlyMap<string, Found>): Effect.Effect<Outcome, unknown> =>
    Effect.gen(function* () {
      const claim = claims.get(item.name)
      if (claim !== undefined && claim.resolved === item.resolved) {
        return claim.file !== undefined ? SHARED : missingOutcome(claim.reason!)
      }
      const found = inspected.get(item.resolved) ?? (yield* Effect.promise(() => inspect(item.resolved)))
      const skip = (reason: Manifest.MissingReason): Outcome => {
        if (claim === undefined) claims.set(item.name, { resolved: item.resolved, reason })
        return missingOutcome(reason)
      }
      if (typeof found === "string") return skip(found)
      if (claim?.file !== undefined) {
        if (claim.real === found.real) return SHARED
        const known = claim.file
        return yield* Effect.promise(() =>
          sameBytes(found.real, known).then(
            (same) => (same ? SHARED : missingOutcome("name_conflict")),
            (e) => missingOutcome(MediaTarget.reasonOf(e))
          )
        )
      }
      // The name is free, or its first claimant could not be copied: this file takes it.
      const file = yield* destination.put(found.real, item.name)
      if (typeof file === "string") return skip(file)
      claims.set(item.name, { resolved: item.resolved, real: found.real, file })
      return { _tag: "Copied", file } satisfies Outcome
    })

  /** One name's rows, in order (a name is decided by its first file); names run side by side. */
  const placeGroup = (group: ReadonlyArray<Item>, inspected: ReadonlyMap<string, Found>) =>
    Effect.forEach(group, (item) =>
      place(item, inspected).pipe(
        Effect.mapError((e) =>
          failed(`cannot copy ${JSON.stringify(item.row.file_path)} into the export: ${writeReason(e)}`)
        ),
        Effect.tap((outcome) => {
          if (outcome._tag !== "Copied") return Effect.void
          copied++
          return options.onCopied(copied)
        }),
        Effect.map((outcome) => [item, outcome] as const)
      )
    )

  const copyBatch = (uris: ReadonlyArray<string>): Effect.Effect<void, ExportFailed> =>
    Effect.gen(function* () {
      if (uris.length === 0) return
      const rows = yield* snapshot.query(ROWS_SQL, { uris: JSON.stringify(uris) }).pipe(Effect.mapError(readFailed))
      const groups = new Map<string, Array<Item>>()
      const results: Array<readonly [Item, Outcome]> = []
      rows.forEach((r, index) => {
        const row = { hash: text(r[0]), post_uri: text(r[1]), file_path: text(r[2]) }
        const target = locate(row.file_path)
        if (target === undefined) {
          results.push([{ index, row, resolved: "", name: "" }, missingOutcome("invalid_path")])
          return
        }
        const item: Item = { index, row, ...target }
        const group = groups.get(target.name)
        if (group === undefined) groups.set(target.name, [item])
        else group.push(item)
      })
      // The files are looked at first, side by side, so that placing a name waits on nothing
      // before it is copied: an archive then takes the entries in the batch's order.
      const paths = new Set<string>()
      for (const [name, group] of groups) {
        for (const item of group) if (claims.get(name)?.resolved !== item.resolved) paths.add(item.resolved)
      }
      const inspected = new Map(
        yield* Effect.forEach(paths, (p) => Effect.promise(() => inspect(p).then((found) => [p, found] as const)), {
          concurrency: INSPECTIONS
        })
      )
      const placed = yield* Effect.forEach(groups.values(), (group) => placeGroup(group, inspected), {
        concurrency: destination.concurrency
      })
      for (const group of placed) results.push(...group)
      // Back in row order, so the manifest does not depend on which copy finished first.
      results.sort((a, b) => a[0].index - b[0].index)
      for (const [item, outcome] of results) {
        if (outcome._tag === "Copied") files.push(outcome.file)
        if (outcome._tag !== "Missing") continue
        missing.push({ ...item.row, reason: outcome.reason })
        BatchSource.addWarning(
          options.warnings,
          `media file ${JSON.stringify(item.row.file_path)} of ${item.row.post_uri} skipped: ${REASONS[outcome.reason]}`
        )
      }
    })

  const finish = Effect.suspend(() => destination.finish(files)).pipe(
    Effect.mapError((e) => failed(`cannot flush the media files to disk: ${writeReason(e)}`))
  )

  return { copyBatch, finish, files, missing } satisfies Copier as Copier
})
