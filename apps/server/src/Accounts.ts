/**
 * The accounts an archive holds, for the page's account picker: each DID
 * with posts, its post count, and its handle when the archive has a
 * `profiles` table with one (the table is optional).
 */
import type { Archive } from "@skyporter/core"
import { Effect } from "effect"

export interface Account {
  readonly did: string
  readonly handle: string | null
  readonly posts: number
}

/** At most this many accounts are listed (largest first). */
export const MAX_ACCOUNTS = 500

const hasHandles = (archive: Archive.ArchiveShape): boolean => {
  const columns = archive.database.prepare("SELECT name FROM pragma_table_info('profiles')").all() as Array<{ name: string }>
  const names = new Set(columns.map((c) => c.name))
  return names.has("did") && names.has("handle")
}

/** The archive's accounts, most posts first; `did` set: that one only (a token bound to it). */
export const list = (archive: Archive.ArchiveShape, did?: string): Effect.Effect<ReadonlyArray<Account>> =>
  Effect.sync(() => {
    const counts = (did === undefined
      ? archive.database.prepare("SELECT did, COUNT(*) AS posts FROM posts GROUP BY did ORDER BY posts DESC, did LIMIT ?").all(
        MAX_ACCOUNTS
      )
      : archive.database.prepare("SELECT did, COUNT(*) AS posts FROM posts WHERE did = ? GROUP BY did").all(did)) as Array<
        { did: string; posts: number }
      >
    const handles = new Map<string, string>()
    if (counts.length > 0 && hasHandles(archive)) {
      const lookup = archive.database.prepare("SELECT handle FROM profiles WHERE did = ? AND handle IS NOT NULL LIMIT 1")
      for (const c of counts) {
        const row = lookup.get(c.did) as { handle: unknown } | undefined
        if (typeof row?.handle === "string" && row.handle !== "") handles.set(c.did, row.handle)
      }
    }
    return counts.map((c) => ({ did: c.did, handle: handles.get(c.did) ?? null, posts: Number(c.posts) }))
  })
