/**
 * How an archive's posts are stored, for reading their records from the
 * file (StoredRecords): where the table's B-tree starts and where each field
 * sits in a record; or why they cannot be read that way.
 */
import type Database from "better-sqlite3"
import * as ArchiveSchema from "../ArchiveSchema.js"
import * as Post from "../Post.js"
import { FIELDS } from "../RecordBatch.js"

export interface Layout {
  readonly root: number
  /** Each field's position in a record. */
  readonly positions: Int16Array
  /** Whether a record too short to hold the field may take NULL for it (no other default). */
  readonly nullDefault: Uint8Array
  /** The root page of skyporter's export-order index, when it is there as skyporter makes it. */
  readonly exportIndex: number | undefined
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
  return { root, positions, nullDefault, exportIndex: exportIndexRoot(db) }
}

/** The key columns the export-order index must have, in order: name, descending. */
const EXPORT_KEYS = [
  ["did", 0],
  ["created_at", 1],
  ["uri", 0]
] as const

/**
 * The root page of `ArchiveSchema.EXPORT_INDEX` when the archive has it as
 * skyporter makes it (not partial, these keys in this order and direction,
 * compared as bytes); else undefined.
 */
const exportIndexRoot = (db: Database.Database): number | undefined => {
  const name = ArchiveSchema.EXPORT_INDEX_NAME
  const listed = db.prepare("SELECT partial FROM pragma_index_list('posts') WHERE name = ?").get(name) as
    { partial: number } | undefined
  if (listed === undefined || listed.partial !== 0) return undefined
  const keys = db
    .prepare("SELECT name, desc, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno")
    .all(name) as Array<{ name: string | null; desc: number; coll: string }>
  const same =
    keys.length === EXPORT_KEYS.length &&
    keys.every((k, i) => k.name === EXPORT_KEYS[i]![0] && k.desc === EXPORT_KEYS[i]![1] && k.coll === "BINARY")
  if (!same) return undefined
  return db.prepare("SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(name) as number
}
