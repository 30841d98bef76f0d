/**
 * Chunks read through the export-order index. A thread's next chunk is
 * searched for from its own last row (its anchor), so skipping the other
 * threads' chunks costs their length, not the whole offset from the start.
 */
import type Database from "better-sqlite3"
import { BatchReader } from "./BatchReader.js"
import type { ChunkSource } from "./ChunkSource.js"
import type { ExportOrderWalk } from "./ExportOrderWalk.js"
import type { WorkerInit } from "./ThreadProtocol.js"

/** Positions of uri and created_at in `Post.selectColumns`. */
const URI = 0
const CREATED_AT = 4

/** A row to search from, by rowid, and the position after it in export order. */
interface Anchor {
  readonly rowid: number
  readonly position: number
}

export class IndexedChunks implements ChunkSource {
  private anchor: Anchor | undefined

  /**
   * `keyed`: posts before the first whose created_at is NULL. Chunks found
   * from an anchor must lie within them (see `afterSql`).
   */
  constructor(
    private readonly init: WorkerInit,
    private readonly prepared: (sql: string) => Database.Statement,
    private readonly keyed: number
  ) {}

  open(offset: number, limit: number): BatchReader {
    const { init } = this
    const rows = this.cursor(offset, limit, init.chunkSql, init.afterSql)
    return new BatchReader(rows, init.batchSize, init.budgetBytes)
  }

  /** Record mode, a selection of one DID: its rowids walked in the index in the file (StoredRecords.exportOrder). */
  walk: ExportOrderWalk | undefined

  keys(offset: number, limit: number): Iterator<number | string> {
    if (this.walk !== undefined) return this.walk.take(offset, limit).values()
    // A chunk's keys at once: stepping a cursor key by key cost ten times more (docs/performance.md).
    const [statement, params] = this.search(offset, limit, this.init.chunkKeysSql, this.init.afterKeysSql)
    return (statement.pluck(true).all(params) as Array<number | string>).values()
  }

  passed(row: ReadonlyArray<unknown>, position: number): void {
    // chunkSql selects the rowid after the post's columns.
    this.passedKey(row[row.length - 1] as number | string, row[URI] !== null && row[CREATED_AT] !== null, position)
  }

  passedKey(rowid: number | string, anchorable: boolean, position: number): void {
    // A NULL uri or created_at, or a rowid past 2^53, cannot anchor a search.
    this.anchor =
      typeof rowid === "number" && Number.isSafeInteger(rowid) && anchorable ? { rowid, position } : undefined
  }

  private cursor(offset: number, limit: number, chunk: string, after: string): IterableIterator<Array<unknown>> {
    const [statement, params] = this.search(offset, limit, chunk, after)
    return statement.iterate(params) as IterableIterator<Array<unknown>>
  }

  /** The query for `limit` posts from `offset`: `chunk`, or `after` searched from the anchor. */
  private search(
    offset: number,
    limit: number,
    chunk: string,
    after: string
  ): [Database.Statement, Record<string, unknown>] {
    const { init, anchor } = this
    const from =
      anchor !== undefined && anchor.position <= offset && offset + limit <= this.keyed
        ? this.skipTo(anchor, offset)
        : undefined
    const [sql, params] =
      from !== undefined
        ? [after, { ...init.params, anchor: from.rowid, limit, offset: offset - from.position }]
        : [chunk, { ...init.params, limit, offset }]
    return [this.prepared(sql), params]
  }

  close(): void {}

  /**
   * The anchor right before position `offset` (the rows between belong to
   * other threads), found from `from` in the index alone, or `from` itself
   * if that row cannot anchor. Cheaper than skipping them with the OFFSET of
   * the chunk's own query (see docs/performance.md).
   */
  private skipTo(from: Anchor, offset: number): Anchor {
    if (offset === from.position) return from
    const row = this.prepared(this.init.skipSql).get({
      ...this.init.params,
      anchor: from.rowid,
      offset: offset - from.position - 1
    }) as [unknown, unknown] | undefined
    const rowid = row?.[0]
    return typeof rowid === "number" && Number.isSafeInteger(rowid) && row![1] === 1
      ? { rowid, position: offset }
      : from
  }
}
