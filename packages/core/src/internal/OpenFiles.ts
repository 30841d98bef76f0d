/**
 * Read-only descriptors of archive files, one per file, kept open while the
 * file has a name or a user. Closing any descriptor of a file releases every
 * POSIX lock this process holds on it, SQLite's included, so one opened
 * beside SQLite's connections is never closed while they may hold one. Worker
 * threads read through the same descriptor: its number is the process's.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"

interface Entry {
  readonly fd: number
  users: number
}

const open = new Map<string, Entry>()

const key = (stat: fs.Stats): string => `${stat.dev}:${stat.ino}`

/**
 * Closes the descriptors nothing uses of files that lost their last name: no
 * connection can lock those by path any more, and no reader holds the number.
 */
const sweep = (): void => {
  for (const [file, entry] of open) {
    if (entry.users === 0 && fs.fstatSync(entry.fd).nlink === 0) {
      open.delete(file)
      fs.closeSync(entry.fd)
    }
  }
}

/** A descriptor of the file at `path`, to `release` when done with it. */
export const acquire = (path: string): number => {
  const found = open.get(key(fs.statSync(path)))
  if (found !== undefined) {
    found.users++
    return found.fd
  }
  const fd = fs.openSync(path, "r")
  const file = key(fs.fstatSync(fd))
  // Another file renamed into place between the two calls: keep both open rather than close one.
  open.set(open.has(file) ? `${file}:${fd}` : file, { fd, users: 1 })
  return fd
}

export const release = (fd: number): void => {
  for (const entry of open.values()) if (entry.fd === fd) entry.users--
  sweep()
}

/** A descriptor of `path` for the scope's life, or undefined when the file cannot be opened. */
export const use = (path: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      try {
        return acquire(path)
      } catch {
        return undefined
      }
    }),
    (fd) => Effect.sync(() => fd !== undefined && release(fd))
  )
