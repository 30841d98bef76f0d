/**
 * Where an encoding thread reads its chunks of the export order from: the
 * export-order index (IndexedChunks), or, in an archive without it, the
 * selection's keys sorted once by SQLite (SortedKeys).
 */
import type { BatchReader } from "./BatchReader.js"

export interface ChunkSource {
  /**
   * The `limit` posts from position `offset` in export order. A thread asks
   * for its chunks in increasing order of `offset`.
   */
  readonly open: (offset: number, limit: number) => BatchReader
  /** The last row of a batch just read, at `position` − 1 in export order. */
  readonly passed: (row: ReadonlyArray<unknown>, position: number) => void
  /**
   * Record mode (StoredRecords): the rowids of the same posts as `open`'s,
   * past 2^53 as their text.
   */
  readonly keys: (offset: number, limit: number) => Iterator<number | string>
  /** Record mode's `passed`: the rowid of the last post read, and whether it can anchor a search. */
  readonly passedKey: (rowid: number | string, anchorable: boolean, position: number) => void
  readonly close: () => void
}
