/**
 * The output folder a frontend publishes into, checked before any work:
 * created when missing (one level at a time, so a path the kernel will never
 * let exist, such as `/proc/nope`, fails at once instead of looping as
 * Node's recursive mkdir can), then checked writable (access W_OK, which also
 * reports a read-only filesystem). Every failure names the folder and the reason.
 */
import { describe } from "@skyporter/core"
import { Effect, Schema } from "effect"
import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"

/** The output folder cannot be used. */
export class OutputFolderError extends Schema.TaggedError<OutputFolderError>()("OutputFolderError", {
  folder: Schema.String,
  reason: Schema.String,
  message: Schema.String
}) {}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/** Creates `dir` and its missing parents, from the top down. */
const mkdirs = async (dir: string): Promise<void> => {
  const missing: Array<string> = []
  let current = dir
  // Bounded by the path's depth: each step goes one level up.
  for (;;) {
    const stats = await fs.stat(current).catch((e: unknown) => (code(e) === "ENOENT" ? undefined : Promise.reject(e)))
    if (stats !== undefined) {
      if (!stats.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: "ENOTDIR" })
      break
    }
    missing.push(current)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch((e: unknown) => (code(e) === "EEXIST" ? undefined : Promise.reject(e)))
  }
}

const reasonOf = (e: unknown): string => {
  switch (code(e)) {
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "ENOENT":
      return "it cannot be created there"
    case "ENOTDIR":
    case "EEXIST":
      return "it is a file, or under a file, not a folder"
    case "EROFS":
      return "the filesystem is read-only"
    case "ENOSPC":
      return "the disk is full"
    default:
      return describe(e)
  }
}

/** Makes sure `dir` is a writable folder (creating it if missing); its absolute path. */
export const ensure = Effect.fn("OutputFolder.ensure")(function* (dir: string) {
  const absolute = path.resolve(dir)
  yield* Effect.tryPromise({
    try: async () => {
      await mkdirs(absolute)
      // access() rather than a probe file: a signal can stop the server between writing and removing a probe.
      await fs.access(absolute, fsConstants.W_OK)
    },
    catch: (e) => {
      const reason = reasonOf(e)
      return new OutputFolderError({
        folder: dir,
        reason,
        message: `the output folder ${dir} cannot be used: ${reason}`
      })
    }
  })
  return absolute
})
