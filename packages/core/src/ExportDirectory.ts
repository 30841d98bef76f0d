/**
 * Where exports land: `<out>/<did>/<YYYY-MM-DD_HH-MM-SS>/`.
 *
 * An export is written into a temporary sibling directory and renamed into
 * place only when complete, so nobody ever sees a half-written export. The
 * temporary directory's name records its owner (host, pid, process start), so
 * the next export into the same output folder can remove the leftovers of a
 * killed process — and never the directory of a process still writing.
 * A ZIP export is written the same way, as a temporary `.zip` file next to
 * the temporary directory (which then holds only the data file until it is
 * added), and given its `<stamp>.zip` name when complete.
 */
import { ZipFile } from "@skyporter/zip"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import * as fs from "node:fs/promises"
import { hostname } from "node:os"
import * as path from "node:path"
import { describe, ExportFailed } from "./Errors.js"

export const TEMP_PREFIX = ".skyporter-tmp-"

const TEMP_NAME = /^\.skyporter-tmp-([A-Za-z0-9.-]{1,32})-(\d+)-(\d+)-([0-9a-f]{8})(?:\.[A-Za-z0-9]+)?$/

const host = (): string =>
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, "-")
    .slice(0, 32) || "host"

/** The start time of a process in clock ticks since boot (Linux), 0 where unknown. */
const processStart = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // Field 22, counted after the parenthesised command name (which may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return Number(fields[19]) || 0
  } catch {
    return 0
  }
}

const isAlive = (pid: number, start: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  // A recycled pid belongs to a process that started at another time.
  const now = processStart(pid)
  return start === 0 || now === 0 || now === start
}

/** A temporary name owned by this process (optionally with a suffix such as ".zip"). */
export const tempName = (suffix = ""): string =>
  `${TEMP_PREFIX}${host()}-${process.pid}-${processStart(process.pid)}-${randomBytes(4).toString("hex")}${suffix}`

/** Whether a temporary entry belongs to a process that no longer runs on this host. */
export const isStale = (name: string): boolean => {
  const m = TEMP_NAME.exec(name)
  if (!m) return false
  if (m[1] !== host()) return false // another machine's: we cannot tell, so never touch it
  return !isAlive(Number(m[2]), Number(m[3]))
}

/**
 * Removes the temporary leftovers of dead processes in `<out>/*`.
 * Returns the paths removed. Never fails the export: errors are skipped.
 */
export const sweep = (out: string): Effect.Effect<Array<string>> =>
  Effect.promise(async () => {
    const removed: Array<string> = []
    let didDirs: Array<string>
    try {
      didDirs = (await fs.readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
    } catch {
      return removed
    }
    for (const didDir of didDirs) {
      let entries: Array<string>
      try {
        entries = await fs.readdir(path.join(out, didDir))
      } catch {
        continue
      }
      for (const name of entries) {
        if (!name.startsWith(TEMP_PREFIX) || !isStale(name)) continue
        const target = path.join(out, didDir, name)
        try {
          await fs.rm(target, { recursive: true, force: true })
          removed.push(target)
        } catch {
          // Left for a later sweep.
        }
      }
    }
    return removed
  })

const pad = (n: number) => String(n).padStart(2, "0")

/** `YYYY-MM-DD_HH-MM-SS` (UTC) of `date`. */
export const stamp = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}_${pad(date.getUTCHours())}-${pad(
    date.getUTCMinutes()
  )}-${pad(date.getUTCSeconds())}`

const publishFailed = (message: string) => new ExportFailed({ stage: "publish", message })

/** fsync a directory so a rename or new entry in it survives a crash. */
export const syncDirectory = (dir: string): Effect.Effect<void> =>
  Effect.promise(async () => {
    let handle: fs.FileHandle | undefined
    try {
      handle = await fs.open(dir, "r")
      await handle.sync()
    } catch {
      // Some filesystems cannot fsync directories; the rename is still atomic.
    } finally {
      await handle?.close()
    }
  })

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the filesystem is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  ENAMETOOLONG: "a name in the path is too long",
  ENOTDIR: "a part of the path is a file, not a folder",
  ELOOP: "too many symbolic links in the path",
  EEXIST: "a file is in the way",
  ENOENT: "the folder it would go in does not accept new folders"
}

/** Why a folder cannot be made, in words (with the system's code). */
const folderReason = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return code !== undefined && REASONS[code] !== undefined ? `${REASONS[code]} (${code})` : describe(e)
}

/** A folder cannot be made: the message names the folder and the reason. */
export class FolderError extends Error {
  constructor(
    readonly folder: string,
    readonly reason: string
  ) {
    super(`cannot create the folder ${folder}: ${reason}`)
  }
}

/**
 * Makes `dir` and any missing parents, one level at a time, and returns the
 * folders this call created (outermost first). Unlike `fs.mkdir` with
 * `recursive: true` (which on Node 20 loops forever where a parent refuses
 * new entries, as in /proc), every level is tried once: it fails fast with
 * the folder and the reason.
 */
export const makeDirectory = async (dir: string): Promise<Array<string>> => {
  const target = path.resolve(dir)
  const missing: Array<string> = []
  for (let at = target; ; at = path.dirname(at)) {
    let stats: import("node:fs").Stats | undefined
    try {
      stats = await fs.stat(at)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ENAMETOOLONG") throw new FolderError(at, folderReason(e))
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) {
        throw new FolderError(at, "a file is in the way (it is not a folder)")
      }
      break
    }
    if (path.dirname(at) === at) throw new FolderError(at, "the filesystem has no root folder")
    missing.unshift(at)
  }
  const created: Array<string> = []
  for (const folder of missing) {
    try {
      await fs.mkdir(folder)
      created.push(folder)
    } catch (e) {
      // Made meanwhile by another export: fine, when it is a folder.
      const code = (e as NodeJS.ErrnoException).code
      if (
        code === "EEXIST" &&
        (await fs.stat(folder).then(
          (s) => s.isDirectory(),
          () => false
        ))
      )
        continue
      await removeEmpty(created)
      throw new FolderError(folder, folderReason(e))
    }
  }
  return created
}

/** Removes the folders in `created` (innermost first) that are still empty; never anything else. */
export const removeEmpty = (created: ReadonlyArray<string>): Promise<void> =>
  created
    .toReversed()
    .reduce((done, folder) => done.then(() => fs.rmdir(folder).catch(() => undefined)), Promise.resolve())

/**
 * Creates the temporary directory for one export under `<out>/<did>/`.
 * It is removed when the scope closes unless it was published, and with it
 * the `<out>/<did>/` (and `<out>`) folders this export created, when empty.
 */
export const acquireTemp = (out: string, did: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const parent = path.join(out, did)
        const dir = path.join(parent, tempName())
        // Another export that created `parent` may remove it, empty, as it
        // ends: then it is made again (a few times at most).
        for (let attempt = 1; ; attempt++) {
          const created = await makeDirectory(parent)
          try {
            await fs.mkdir(dir)
            return { parent, dir, created, published: false as boolean }
          } catch (e) {
            await removeEmpty(created)
            if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt === 3) {
              throw new FolderError(parent, folderReason(e))
            }
          }
        }
      },
      catch: (e) =>
        new ExportFailed({
          stage: "prepare",
          message: e instanceof FolderError ? e.message : `cannot create the output folder ${out}: ${describe(e)}`
        })
    }),
    (temp) =>
      temp.published
        ? Effect.void
        : Effect.promise(async () => {
            await fs.rm(temp.dir, { recursive: true, force: true })
            await removeEmpty(temp.created)
          })
  )

export type Temp = Effect.Success<ReturnType<typeof acquireTemp>>

const exists = (p: string): Promise<boolean> =>
  fs.access(p).then(
    () => true,
    () => false
  )

/**
 * Claims the first free name `<stamp>`, `<stamp>_2`, `<stamp>_3`, … in
 * `parent` — free when neither `<name>` nor `<name>.zip` exists, so folder
 * and ZIP exports never share a name. `place` moves the export there and
 * returns its path, or undefined when another export took the name first.
 */
const claimName = async (
  parent: string,
  startedAt: Date,
  place: (name: string) => Promise<string | undefined>
): Promise<string> => {
  const base = stamp(startedAt)
  for (let n = 1; n < 10_000; n++) {
    const name = n === 1 ? base : `${base}_${n}`
    if ((await exists(path.join(parent, name))) || (await exists(path.join(parent, `${name}.zip`)))) continue
    const placed = await place(name)
    if (placed !== undefined) return placed
  }
  throw new Error(`no free name for ${base}`)
}

/**
 * Renames the finished temporary directory to `<out>/<did>/<stamp>` (or
 * `<stamp>_2`, `_3`, … when that name is taken, e.g. two exports in one
 * second). The rename is atomic: the directory appears complete or not at all.
 */
export const publish = (temp: Temp, startedAt: Date): Effect.Effect<string, ExportFailed> =>
  Effect.tryPromise({
    try: () =>
      claimName(temp.parent, startedAt, async (name) => {
        const target = path.join(temp.parent, name)
        try {
          await fs.rename(temp.dir, target)
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code
          if (code === "ENOTEMPTY" || code === "EEXIST") return undefined // lost a race for this name
          throw e
        }
        temp.published = true
        return target
      }),
    catch: (e) => publishFailed(`cannot publish the export: ${describe(e)}`)
  }).pipe(Effect.tap(() => syncDirectory(temp.parent)))

/**
 * The archive of a ZIP export, written while the export runs: a new file
 * `<out>/<did>/.skyporter-tmp-….zip` beside the temporary directory, whose
 * central directory lists the entries by name, as a folder's archive would.
 * The file is removed when the scope closes: once published it is only a
 * second name of the published file.
 */
export const createZip = (temp: Temp): Effect.Effect<ZipFile.ZipFile, ExportFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => path.join(temp.parent, tempName(".zip"))),
    (file) => Effect.promise(() => fs.rm(file, { force: true }))
  ).pipe(
    Effect.flatMap((file) => ZipFile.create(file, { order: "name" })),
    Effect.mapError((e) => new ExportFailed({ stage: "write", message: `cannot create the ZIP file: ${e.message}` }))
  )

/**
 * Publishes a closed ZIP made by `createZip` as `<out>/<did>/<stamp>.zip` (`_2`,
 * `_3`, … as for folders). A hard link gives it its name without ever
 * replacing a file; where the filesystem has no hard links it is renamed.
 */
export const publishZip = (temp: Temp, zipFile: string, startedAt: Date): Effect.Effect<string, ExportFailed> =>
  Effect.tryPromise({
    try: () =>
      claimName(temp.parent, startedAt, async (name) => {
        const target = path.join(temp.parent, `${name}.zip`)
        try {
          await fs.link(zipFile, target)
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code
          if (code === "EEXIST") return undefined // lost a race for this name
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw e
          await fs.rename(zipFile, target)
          return target
        }
        await fs.rm(zipFile, { force: true })
        return target
      }),
    catch: (e) => publishFailed(`cannot publish the ZIP file: ${describe(e)}`)
  }).pipe(Effect.tap(() => syncDirectory(temp.parent)))
