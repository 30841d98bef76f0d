/**
 * The accounts an archive holds posts for, with their handles where the
 * archive's `profiles` table has them (older archives have no such table,
 * or one without a `handle` column: then every handle is null).
 */
import type Database from "better-sqlite3"

export interface Account {
  readonly did: string
  readonly handle: string | null
  readonly posts: number
}

const columns = (db: Database.Database, table: string): ReadonlySet<string> =>
  new Set(db.prepare("SELECT name FROM pragma_table_info(?)").pluck().all(table) as Array<string>)

/** Every DID with posts in the archive, most posts first (ties by DID), with its handle when known. */
export const list = (db: Database.Database): Array<Account> => {
  const profile = columns(db, "profiles")
  const withHandles = profile.has("did") && profile.has("handle")
  const sql = withHandles
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
