/**
 * Chunks of an archive without the export-order index. Each thread has
 * SQLite sort the selection's keys once (rowids in export order, a fraction
 * of the rows' size, spilled to temporary files beyond the page cache) and
 * then reads each post by its rowid in the thread's snapshot. Every thread
 * sorts for itself: the sort comes before any post, when the other cores
 * would wait anyway, and no list of keys grows in memory or crosses threads.
 */
import type Database from "better-sqlite3"
import { BatchReader } from "./BatchReader.js"
import type { ChunkSource } from "./ChunkSource.js"
import type { SortedKeysSql, WorkerInit } from "./ThreadProtocol.js"

export class SortedKeys implements ChunkSource {
  private cursor: IterableIterator<unknown> | undefined
  /** Keys taken from the sorted cursor so far. */
  private position = 0

  private readonly row: Database.Statement

  constructor(
    private readonly init: WorkerInit,
    private readonly sql: SortedKeysSql,
    private readonly database: Database.Database
  ) {
    this.row = database.prepare(sql.rowSql).raw(true)
  }

  open(offset: number, limit: number): BatchReader {
    return new BatchReader(this.rows(offset, limit), this.init.batchSize, this.init.budgetBytes)
  }

  passed(): void {}

  passedKey(): void {}

  *keys(offset: number, limit: number): Generator<number | string> {
    if (offset < this.position) throw new Error(`chunk at ${offset} asked for after ${this.position}`)
    this.cursor ??= this.database.prepare(this.sql.keysSql).pluck().iterate(this.init.params)
    const keys = this.cursor
    for (; this.position < offset; this.position++) keys.next()
    for (let n = 0; n < limit; n++) {
      const key = keys.next()
      if (key.done) return
      this.position++
      yield key.value as number | string
    }
  }

  close(): void {
    this.cursor?.return?.()
    this.cursor = undefined
  }

  private *rows(offset: number, limit: number): Generator<Array<unknown>> {
    for (const key of this.keys(offset, limit)) {
      // keysSql spells a rowid past 2^53 as text, to be bound exactly.
      const row = this.row.get(typeof key === "string" ? BigInt(key) : key) as Array<unknown> | undefined
      if (row === undefined) throw new Error(`post ${String(key)} vanished from the snapshot`)
      yield row
    }
  }
}
