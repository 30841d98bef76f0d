/**
 * The --db of a command that writes an archive (`seed`, `import`), checked
 * before any work: a path the user can fix by naming another is refused
 * (exit 2) with what is wrong, not with SQLite's words once the work is done.
 */
import { Archive, InvalidRequest } from "@skyporter/core"
import * as Effect from "effect/Effect"
import { accessSync, constants, existsSync, statSync } from "node:fs"
import * as path from "node:path"

const refuse = (message: string) => new InvalidRequest({ field: "db", message })

/** Why this process cannot write `target`, in words; undefined when it can. */
const unwritable = (target: string): string | undefined => {
  try {
    accessSync(target, constants.W_OK)
    return undefined
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code === "EROFS"
      ? "the filesystem is read-only (EROFS)"
      : code === "EACCES" || code === "EPERM"
        ? `permission denied (${code})`
        : undefined // anything else is SQLite's to report when it writes
  }
}

/**
 * An existing --db is opened as `export` opens it, for the same messages (a
 * directory, not SQLite, locked), and a SQLite file without bskyarchive's
 * tables passes (the command adds them or names what is missing). A new one
 * needs its folder. Either way the folder must take new files: SQLite writes
 * its journal there.
 */
export const check = (command: "seed" | "import", db: string) =>
  Effect.gen(function* () {
    const folder = path.dirname(path.resolve(db))
    if (!existsSync(db)) {
      const found = statSync(folder, { throwIfNoEntry: false })
      if (!found?.isDirectory()) {
        return yield* refuse(
          found === undefined
            ? `cannot create ${db}: the folder ${folder} does not exist (${command} makes the file, not its folder)`
            : `cannot create ${db}: ${folder} is a file, not a folder`
        )
      }
      const why = unwritable(folder)
      if (why !== undefined) return yield* refuse(`cannot create ${db} in ${folder}: ${why}`)
      return
    }
    yield* Effect.scoped(Archive.open({ path: db, readOnly: true })).pipe(
      Effect.catchIf(
        (e) => e.reason === "NotArchive",
        () => Effect.void
      )
    )
    const file = unwritable(db)
    if (file !== undefined) return yield* refuse(`cannot write ${db}: ${file}`)
    const journal = unwritable(folder)
    if (journal !== undefined) {
      return yield* refuse(`cannot write ${db}: its folder ${folder} takes no new files (SQLite's journal): ${journal}`)
    }
  })
