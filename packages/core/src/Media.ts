/**
 * Media: the files named by the `media` rows of the exported posts, copied
 * into the export's `media/` folder.
 *
 * Rows are read in the export's snapshot, one query per batch of posts, in
 * export order (then `media` rowid, the order bskyarchive stored them). A
 * row's `file_path` is used as stored when absolute, else resolved against
 * the media root; either way the file must lie inside the media root once
 * every symlink is resolved (`realpath`), and be a regular file. A file is
 * copied with the kernel's copy (`copyFile`, copy-on-write clone where the
 * filesystem has one), then read back once to hash it; all copies are
 * flushed to disk at the end (one `syncfs`, or an fsync per file where the
 * system has no `sync -f`).
 *
 * Naming: a file is stored under its basename, as bskyarchive does. Rows
 * sharing a file get one copy. A name can hold one file: another path with
 * the same basename is the same file when its bytes are equal (then nothing
 * more is copied), and is otherwise refused as `name_conflict` — the first
 * file in export order keeps the name. A row whose file is not copied never
 * fails the export: it is listed in the manifest's `missing_media` and
 * counted in its warnings.
 */
import { ZipWriter } from "@skyporter/zip"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as BatchSource from "./BatchSource.js"
import { describe, ExportFailed } from "./Errors.js"
import * as ExportDirectory from "./ExportDirectory.js"
import type * as Manifest from "./Manifest.js"

/** The folder of an export that holds its media files. */
export const DIRECTORY = "media"

/** Files handled at once: copies wait on the disk, so a few in flight keep it busy. */
export const CONCURRENCY = 8

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

/** The reason a filesystem error gives for skipping a file. */
const reasonOf = (e: unknown): Manifest.MissingReason => {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
    case "ENOTDIR":
      return "not_found"
    case "ELOOP":
    case "EISDIR":
      return "not_regular"
    case "ENAMETOOLONG":
    case "EINVAL":
      return "invalid_path"
    default:
      return "unreadable"
  }
}

/** Errors of the export's own disk: they fail the export instead of skipping a file. */
const OUTPUT_ERRORS = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EROFS"])

const HASH_CHUNK = 1024 * 1024

/** Byte count and sha256 of an open file, read in chunks from its start. */
const digest = async (handle: fs.FileHandle): Promise<{ readonly bytes: number; readonly sha256: string }> => {
  const { size } = await handle.stat()
  const buffer = Buffer.allocUnsafe(Math.min(HASH_CHUNK, size + 1))
  const hash = createHash("sha256")
  let bytes = 0
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes)
    if (bytesRead === 0) break
    hash.update(buffer.subarray(0, bytesRead))
    bytes += bytesRead
  }
  return { bytes, sha256: hash.digest("hex") }
}

const digestFile = async (file: string) => {
  const handle = await fs.open(file, "r")
  try {
    return await digest(handle)
  } finally {
    await handle.close()
  }
}

/** `syncfs(2)` of the filesystem holding `dir`, through coreutils' `sync -f`; false where there is none. */
const syncFileSystem = (dir: string): Promise<boolean> =>
  new Promise((resolve) => execFile("sync", ["-f", dir], (error) => resolve(error === null)))

/** fsync of one file. */
const syncFile = async (file: string): Promise<void> => {
  const handle = await fs.open(file, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export interface CopierOptions {
  /** The media root: relative `file_path`s resolve against it and every file must lie in it. */
  readonly root: string
  /** The export's (temporary) directory; files go to its `media/`. */
  readonly dir: string
  /** The export's warnings: each file not copied adds one. */
  readonly warnings: BatchSource.Warnings
  /** Called after each file copied, with the count so far (progress). */
  readonly onCopied: (copied: number) => Effect.Effect<void>
}

export interface Copier {
  /** Copies the media files of these posts (a batch, in export order). */
  readonly copyBatch: (uris: ReadonlyArray<string>) => Effect.Effect<void, ExportFailed>
  /** Flushes the copied files and the `media/` folder to disk. */
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
  const mediaDir = path.join(options.dir, DIRECTORY)
  const claims = new Map<string, Claim>()
  const files: Array<Manifest.FileEntry> = []
  const missing: Array<Manifest.MissingMedia> = []
  let copied = 0
  let created: Promise<void> | undefined

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
      return reasonOf(e)
    }
  }

  /** Copies a file to `media/<name>` and hashes the copy; a source problem is a reason, an output problem fails. */
  const copy = async (real: string, name: string): Promise<Manifest.FileEntry | Manifest.MissingReason> => {
    created ??= fs.mkdir(mediaDir).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    })
    await created
    const dest = path.join(mediaDir, name)
    try {
      await fs.copyFile(real, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? ""
      // Another name that the filesystem folds to this one (a case-insensitive disk): never overwritten.
      if (code === "EEXIST") return "name_conflict"
      await fs.rm(dest, { force: true })
      if (OUTPUT_ERRORS.has(code)) throw e
      return reasonOf(e)
    }
    const { bytes, sha256 } = await digestFile(dest)
    return { path: `${DIRECTORY}/${name}`, bytes, sha256 }
  }

  /** Whether a file has the bytes of a copied one. */
  const sameBytes = async (real: string, file: Manifest.FileEntry): Promise<boolean> => {
    if ((await fs.stat(real)).size !== file.bytes) return false
    return (await digestFile(real)).sha256 === file.sha256
  }

  const place = async (item: Item): Promise<Outcome> => {
    const claim = claims.get(item.name)
    if (claim !== undefined && claim.resolved === item.resolved) {
      return claim.file !== undefined ? SHARED : missingOutcome(claim.reason!)
    }
    const found = await inspect(item.resolved)
    const skip = (reason: Manifest.MissingReason): Outcome => {
      if (claim === undefined) claims.set(item.name, { resolved: item.resolved, reason })
      return missingOutcome(reason)
    }
    if (typeof found === "string") return skip(found)
    if (claim?.file !== undefined) {
      if (claim.real === found.real) return SHARED
      try {
        return (await sameBytes(found.real, claim.file)) ? SHARED : missingOutcome("name_conflict")
      } catch (e) {
        return missingOutcome(reasonOf(e))
      }
    }
    // The name is free, or its first claimant could not be copied: this file takes it.
    const file = await copy(found.real, item.name)
    if (typeof file === "string") return skip(file)
    claims.set(item.name, { resolved: item.resolved, real: found.real, file })
    return { _tag: "Copied", file }
  }

  /** One name's rows, in order (a name is decided by its first file); names run side by side. */
  const placeGroup = (group: ReadonlyArray<Item>) =>
    Effect.forEach(group, (item) =>
      Effect.tryPromise({
        try: () => place(item),
        catch: (e) => failed(`cannot copy ${item.row.file_path} into the export: ${describe(e)}`)
      }).pipe(
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
      const placed = yield* Effect.forEach(groups.values(), placeGroup, { concurrency: CONCURRENCY })
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

  // One syncfs flushes every copy at once (an fsync per file would cost a disk flush per file).
  const finish = Effect.suspend(() => {
    if (created === undefined) return Effect.void
    return Effect.tryPromise({
      try: async () => {
        if (await syncFileSystem(mediaDir)) return
        for (const file of files) await syncFile(path.join(options.dir, file.path))
      },
      catch: (e) => failed(`cannot flush the media files to disk: ${describe(e)}`)
    }).pipe(Effect.andThen(ExportDirectory.syncDirectory(mediaDir)))
  })

  return { copyBatch, finish, files, missing } satisfies Copier as Copier
})
