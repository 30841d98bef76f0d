/**
 * The accounts an archive holds posts for, with their handles where the
 * archive's `profiles` table has them (older archives have no such table,
 * or one without a `handle` column: then every handle is null).
 */
import type Database from "better-sqlite3"
import * as Timestamp from "./Timestamp.js"

export interface Account {
  readonly did: string
  readonly handle: string | null
  readonly posts: number
}

/** An account with the instants of its earliest and latest posts (UTC, RFC 3339; null when none parses). */
export interface Overview extends Account {
  readonly first: string | null
  readonly last: string | null
}

const columns = (db: Database.Database, table: string): ReadonlySet<string> =>
  new Set(db.prepare("SELECT name FROM pragma_table_info(?)").pluck().all(table) as Array<string>)

const hasHandles = (db: Database.Database): boolean => {
  const profile = columns(db, "profiles")
  return profile.has("did") && profile.has("handle")
}

/** Every DID with posts in the archive, most posts first (ties by DID), with its handle when known. */
export const list = (db: Database.Database): Array<Account> => {
  const sql = hasHandles(db)
    ? `SELECT p.did AS did, (SELECT handle FROM profiles WHERE profiles.did = p.did AND handle IS NOT NULL LIMIT 1) AS handle,
         p.posts AS posts
       FROM (SELECT did, COUNT(*) AS posts FROM posts GROUP BY did) AS p ORDER BY p.posts DESC, p.did`
    : "SELECT did, NULL AS handle, COUNT(*) AS posts FROM posts GROUP BY did ORDER BY posts DESC, did"
  return (db.prepare(sql).all() as Array<{ did: unknown; handle: unknown; posts: unknown }>).map((row) => ({
    did: String(row.did),
    handle: typeof row.handle === "string" && row.handle !== "" ? row.handle : null,
    posts: Number(row.posts)
  }))
}

/** The earliest (`sign` -1) or latest (+1) instant among stored `created_at` values. */
const extreme = (values: Iterable<unknown>, sign: 1 | -1): string | undefined => {
  let best: string | undefined
  for (const value of values) {
    const instant = typeof value === "string" ? Timestamp.canonicalInstant(value) : undefined
    if (instant !== undefined && (best === undefined || (sign === 1 ? instant > best : instant < best))) best = instant
  }
  return best
}

/**
 * The instant of `did`'s earliest or latest post. The stored text's order is
 * the instants' order but for offsets, and a stored date lies within a day of
 * its UTC date: so only posts within two days of the first (last) text are
 * compared as instants — all of them when that text is no timestamp.
 */
const edge = (db: Database.Database, did: string, stored: unknown, sign: 1 | -1): string | null => {
  const date =
    typeof stored === "string" && Timestamp.canonicalInstant(stored) !== undefined
      ? Timestamp.addDays(stored.slice(0, 10), sign === -1 ? 3 : -2)
      : undefined
  const near = sign === -1 ? "created_at < ?" : "created_at >= ?"
  const rows =
    date === undefined
      ? db.prepare("SELECT created_at FROM posts WHERE did = ?").pluck().iterate(did)
      : db.prepare(`SELECT created_at FROM posts WHERE did = ? AND ${near}`).pluck().iterate(did, date)
  const instant = extreme(rows, sign)
  return instant === undefined ? null : Timestamp.toRfc3339(Timestamp.decode(instant))
}

/** `list` with each account's first and last post instants. */
export const overview = (db: Database.Database): Array<Overview> => {
  const span = db.prepare("SELECT MIN(created_at) AS low, MAX(created_at) AS high FROM posts WHERE did = ?")
  return list(db).map((account) => {
    const { low, high } = span.get(account.did) as { low: unknown; high: unknown }
    return { ...account, first: edge(db, account.did, low, -1), last: edge(db, account.did, high, 1) }
  })
}

/** What a handle names in an archive. */
export type Resolution =
  | { readonly _tag: "Found"; readonly did: string }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Ambiguous"; readonly dids: ReadonlyArray<string> }

/**
 * The DID whose profile has `handle` (as `Handle.parse` gives it: matched
 * ignoring case). Stale profiles can give two DIDs the same handle: then it
 * names none. With `scope`, only that DID is considered, so a caller limited
 * to one account learns nothing of the others.
 */
export const resolve = (db: Database.Database, handle: string, scope?: string): Resolution => {
  if (!hasHandles(db)) return { _tag: "Unknown" }
  const held = db
    .prepare("SELECT DISTINCT did FROM profiles WHERE lower(handle) = lower(?) AND did IS NOT NULL ORDER BY did")
    .pluck()
    .all(handle) as Array<unknown>
  const dids = held.map(String).filter((did) => scope === undefined || did === scope)
  if (dids.length === 0) return { _tag: "Unknown" }
  return dids.length === 1 ? { _tag: "Found", did: dids[0]! } : { _tag: "Ambiguous", dids }
}
