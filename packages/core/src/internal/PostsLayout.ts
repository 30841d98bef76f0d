/**
 * How an archive's posts are stored, for reading their records from the
 * file (StoredRecords): where the table's B-tree starts and where each field
 * sits in a record; or why they cannot be read that way.
 */
import type Database from "better-sqlite3"
import * as Post from "../Post.js"
import { FIELDS } from "../RecordBatch.js"

export interface Layout {
  readonly root: number
  /** Each field's position in a record. */
  readonly positions: Int16Array
  /** Whether a record too short to hold the field may take NULL for it (no other default). */
  readonly nullDefault: Uint8Array
}

/** How `db`'s posts are stored, or why their records cannot be read from the file. */
export const layoutOf = (db: Database.Database): Layout | string => {
  const journal = String(db.pragma("journal_mode", { simple: true })).toLowerCase()
  if (journal !== "delete" && journal !== "truncate" && journal !== "persist") return `journal mode ${journal}`
  const table = db
    .prepare("SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = 'posts' COLLATE NOCASE")
    .get() as { type: string; wr: number } | undefined
  if (table?.type !== "table" || table.wr !== 0) return "posts is not a rowid table"
  const root = db
    .prepare("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'posts' COLLATE NOCASE")
    .pluck()
    .get() as number
  const columns = db
    .prepare("SELECT name, type, dflt_value, pk, hidden FROM pragma_table_xinfo('posts')")
    .all() as Array<{
    name: string
    type: string
    dflt_value: string | null
    pk: number
    hidden: number
  }>
  if (columns.some((c) => c.hidden !== 0)) return "posts has hidden or generated columns"
  const keys = columns.filter((c) => c.pk > 0)
  // The rowid's alias is stored as NULL in the record.
  const alias = keys.length === 1 && keys[0]!.type.toUpperCase() === "INTEGER" ? keys[0]!.name.toLowerCase() : undefined
  const positions = new Int16Array(FIELDS)
  const nullDefault = new Uint8Array(FIELDS)
  for (let f = 0; f < FIELDS; f++) {
    const at = columns.findIndex((c) => c.name.toLowerCase() === Post.COLUMNS[f])
    if (at < 0 || Post.COLUMNS[f] === alias) return `posts.${Post.COLUMNS[f]} is not a stored column`
    positions[f] = at
    nullDefault[f] = columns[at]!.dflt_value === null || /^null$/i.test(columns[at]!.dflt_value!) ? 1 : 0
  }
  return { root, positions, nullDefault }
}
