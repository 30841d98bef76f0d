/**
 * The `skyporter accounts` handler, loaded only when `accounts` runs (see
 * Cli.ts): the archive's accounts, opened read-only, as the core lists them.
 */
import { Accounts, Archive } from "@skyporter/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { AccountsFlags } from "../Cli.js"

/** One line per account, in aligned columns: DID, @handle, posts, first and last post dates (UTC). */
export const table = (accounts: ReadonlyArray<Accounts.Overview>): string => {
  const rows = accounts.map((a) => ({
    did: a.did,
    handle: a.handle === null ? "-" : `@${a.handle}`,
    posts: `${a.posts} post${a.posts === 1 ? "" : "s"}`,
    dates: a.first === null || a.last === null ? "no dated posts" : `${a.first.slice(0, 10)} to ${a.last.slice(0, 10)}`
  }))
  const width = (column: (r: (typeof rows)[number]) => string) => Math.max(...rows.map((r) => column(r).length))
  const did = width((r) => r.did)
  const handle = width((r) => r.handle)
  const posts = width((r) => r.posts)
  return rows
    .map((r) => `${r.did.padEnd(did)}  ${r.handle.padEnd(handle)}  ${r.posts.padStart(posts)}  ${r.dates}\n`)
    .join("")
}

export const run = (flags: AccountsFlags) =>
  Effect.gen(function* () {
    const archive = yield* Archive.Archive
    const accounts = yield* archive.read(() => Accounts.overview(archive.database))
    if (flags.json) return yield* Console.log(JSON.stringify(accounts, null, 2))
    if (accounts.length === 0) {
      return yield* Effect.sync(() => process.stderr.write("skyporter accounts: the archive holds no posts\n"))
    }
    yield* Effect.sync(() => process.stdout.write(table(accounts)))
  }).pipe(Effect.provide(Archive.Archive.layer({ path: flags.db, readOnly: true })))
