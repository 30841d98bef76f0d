/**
 * The published exports on disk: `<out>/<did>/<name>/manifest.json`. They
 * are the only record of completed exports, so the list survives a restart
 * and cannot drift from what is there.
 *
 * Only real directories are read (never through a symbolic link), only
 * names that are a valid DID and a valid export name, and only exports whose
 * manifest decodes and names the same DID.
 */
import { Did, ExportDirectory, Manifest } from "@skyporter/core"
import { Effect } from "effect"
import type { Dirent, Stats } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as ExportId from "./ExportId.js"

export interface Published extends ExportId.Parts {
  readonly dir: string
  readonly manifest: Manifest.Manifest
  /** When the manifest was written (the export's completion), RFC 3339. */
  readonly completedAt: string
  /** The files the manifest lists plus the manifest itself. */
  readonly sizeBytes: number
}

const lstat = (p: string): Promise<Stats | undefined> => fs.lstat(p).catch(() => undefined)

const readDir = (p: string): Promise<Array<Dirent>> => fs.readdir(p, { withFileTypes: true }).catch(() => [])

export interface Store {
  readonly out: string
  /** Where an export is (or would be) published. */
  readonly dirOf: (parts: ExportId.Parts) => string
  /** The export names on disk, for one DID or all; cheap (directory listings only). */
  readonly names: (did?: string) => Effect.Effect<Array<ExportId.Parts>>
  /** A published export, or undefined when absent, not a real directory, or without a valid manifest. */
  readonly read: (parts: ExportId.Parts) => Effect.Effect<Published | undefined>
  /** Whether anything (file, folder, link) has that name, or that name plus `.zip`, under `<out>/<did>/`. */
  readonly exists: (parts: ExportId.Parts) => Effect.Effect<boolean>
  /**
   * Removes an export: renamed out of sight first (atomic), then deleted.
   * False when there was nothing to remove.
   */
  readonly remove: (parts: ExportId.Parts) => Effect.Effect<boolean>
  /** A new private folder for one export run, under `<out>`, removed by `sweep` if the process dies. */
  readonly staging: () => string
  /** Removes the temporary leftovers of dead processes. */
  readonly sweep: Effect.Effect<ReadonlyArray<string>>
}

export const make = (out: string): Store => {
  const root = path.resolve(out)
  const dirOf = (parts: ExportId.Parts) => path.join(root, parts.did, parts.name)
  // Manifests change only when an export is replaced; keyed by directory, checked by the manifest's inode and mtime.
  const cache = new Map<string, { readonly key: string; readonly published: Published }>()

  const names = (did?: string) =>
    Effect.promise(async () => {
      const dids =
        did === undefined
          ? (await readDir(root)).filter((d) => d.isDirectory() && Did.isDid(d.name)).map((d) => d.name)
          : [did]
      const found: Array<ExportId.Parts> = []
      for (const d of dids) {
        const parent = path.join(root, d)
        if (did !== undefined && !(await lstat(parent))?.isDirectory()) continue
        for (const entry of await readDir(parent)) {
          if (entry.isDirectory() && ExportId.isName(entry.name)) found.push({ did: d, name: entry.name })
        }
      }
      return found
    })

  const read = (parts: ExportId.Parts) =>
    Effect.gen(function* () {
      const dir = dirOf(parts)
      const file = path.join(dir, Manifest.FILE_NAME)
      const stats = yield* Effect.promise(async () => {
        const [parent, self, manifest] = await Promise.all([lstat(path.join(root, parts.did)), lstat(dir), lstat(file)])
        return parent?.isDirectory() && self?.isDirectory() && manifest?.isFile() ? manifest : undefined
      })
      if (stats === undefined) {
        cache.delete(dir)
        return undefined
      }
      const key = `${stats.ino}:${stats.mtimeMs}:${stats.size}`
      const cached = cache.get(dir)
      if (cached?.key === key) return cached.published
      const text = yield* Effect.promise(() => fs.readFile(file, "utf8").catch(() => undefined))
      if (text === undefined) return undefined
      const manifest = yield* Manifest.decode(text).pipe(Effect.orElseSucceed(() => undefined))
      if (manifest === undefined || manifest.did !== parts.did) return undefined
      const published: Published = {
        ...parts,
        dir,
        manifest,
        completedAt: stats.mtime.toISOString(),
        sizeBytes: manifest.files.reduce((sum, f) => sum + f.bytes, stats.size)
      }
      cache.set(dir, { key, published })
      return published
    })

  // A folder and a ZIP export (`<name>.zip`) never share a name, as in the core.
  const exists = (parts: ExportId.Parts) =>
    Effect.promise(
      async () => (await lstat(dirOf(parts))) !== undefined || (await lstat(`${dirOf(parts)}.zip`)) !== undefined
    )

  const staging = () => path.join(root, ExportDirectory.tempName())

  const remove = (parts: ExportId.Parts) =>
    Effect.promise(async () => {
      const dir = dirOf(parts)
      if (!(await lstat(dir))?.isDirectory()) return false
      const trash = staging()
      try {
        await fs.rename(dir, trash)
      } catch {
        return false // gone already (another request removed it)
      }
      cache.delete(dir)
      await fs.rm(trash, { recursive: true, force: true }).catch(() => undefined)
      return true
    })

  const sweep = Effect.gen(function* () {
    const removed = [...(yield* ExportDirectory.sweep(root))]
    // Our own staging folders sit directly in <out>.
    const mine = yield* Effect.promise(async () => {
      const gone: Array<string> = []
      for (const entry of await readDir(root)) {
        if (!entry.name.startsWith(ExportDirectory.TEMP_PREFIX) || !ExportDirectory.isStale(entry.name)) continue
        const target = path.join(root, entry.name)
        await fs.rm(target, { recursive: true, force: true }).then(
          () => gone.push(target),
          () => undefined
        )
      }
      return gone
    })
    return [...removed, ...mine]
  })

  return { out: root, dirOf, names, read, exists, remove, staging, sweep }
}
