/**
 * What `--did` names: a DID, or the handle users know their account by
 * (`alice.bsky.social`, `@alice.bsky.social`), looked up in the archive's
 * `profiles` table.
 */
import { Accounts, Archive, type ArchiveError, Handle, InvalidRequest } from "@skyporter/core"
import * as Effect from "effect/Effect"

/** At most this many accounts are listed in a message; beyond, only their number. */
export const LISTED_ACCOUNTS = 10

const postCount = (n: number): string => `${n} post${n === 1 ? "" : "s"}`

/** The archive's accounts as `did (@handle): N posts` entries, or only their number when there are many. */
export const accountEntries = (accounts: ReadonlyArray<Accounts.Account>): ReadonlyArray<string> | number =>
  accounts.length > LISTED_ACCOUNTS
    ? accounts.length
    : accounts.map((a) => `${a.did}${a.handle === null ? "" : ` (@${a.handle})`}: ${postCount(a.posts)}`)

export const LIST_HINT = "`skyporter accounts --db FILE`"

const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)

const invalid = (message: string) => new InvalidRequest({ field: "did", message })

/** The DID of `handle` in the open archive, or why there is none. */
const lookup = (handle: string) =>
  Effect.gen(function* () {
    const archive = yield* Archive.Archive
    const found = yield* archive.read(() => Accounts.resolve(archive.database, handle))
    if (found._tag === "Found") return found.did
    const accounts = yield* archive.read(() => Accounts.list(archive.database))
    if (found._tag === "Unknown") {
      // One line, as every error: the accounts as a list, not one per line like the notice of an empty export.
      const entries = accountEntries(accounts)
      const held =
        typeof entries === "number"
          ? `it holds posts of ${entries} accounts: ${LIST_HINT} lists them`
          : entries.length === 0
            ? "it holds no posts at all"
            : `it holds posts of ${entries.join(", ")}`
      return yield* invalid(`no account in the archive has the handle @${handle} (matched ignoring case); ${held}`)
    }
    const posts = (did: string) => accounts.find((a) => a.did === did)?.posts ?? 0
    return yield* invalid(
      `the handle @${handle} belongs to ${found.dids.length} DIDs in the archive (stale profiles): ` +
        `${found.dids.map((did) => `${did} (${postCount(posts(did))})`).join(", ")}; give --did the DID to export`
    )
  })

/**
 * The DID `value` names. One that starts with `did:` is taken as it is (the
 * export checks its syntax); a handle is looked up in the archive at `db`,
 * opened read-only for the lookup alone.
 */
export const resolve = (db: string, value: string): Effect.Effect<string, InvalidRequest | ArchiveError> => {
  if (value.startsWith("did:")) return Effect.succeed(value)
  const handle = Handle.parse(value)
  if (handle === undefined) {
    return Effect.fail(
      invalid(
        `--did ${shown(value)}: expected a DID (did:plc:…) or a handle (alice.bsky.social); ` +
          `${LIST_HINT} lists the archive's accounts`
      )
    )
  }
  return lookup(handle).pipe(Effect.provide(Archive.Archive.layer({ path: db, readOnly: true })))
}
