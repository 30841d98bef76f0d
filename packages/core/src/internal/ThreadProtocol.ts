/**
 * What the main thread and an encoding thread say to each other.
 *
 * Main → thread: `next` (rows mode: the next batch of raw rows), `query` (any
 * read in the same snapshot, answered by id), `start`, `chunks` and `credit`
 * (encode mode: the chunks to encode and how many batches may be sent ahead),
 * `close`. The thread answers `ready`, `batch`, `end`, `result`, `encoded` or
 * `error`.
 */
export interface WorkerInit {
  readonly path: string
  readonly countSql: string
  /** Posts of the selection whose created_at is NULL (the last in export order). */
  readonly nullsSql: string
  readonly rowsSql: string
  /** Encode mode: `limit` posts from position `offset`, each with its rowid last. */
  readonly chunkSql: string
  /** Encode mode: as `chunkSql`, counting `offset` from the row after rowid `anchor`. */
  readonly afterSql: string
  /** Record mode: `chunkSql` and `afterSql` selecting only each post's rowid (past 2^53 as text). */
  readonly chunkKeysSql: string
  readonly afterKeysSql: string
  /**
   * Encode mode: the rowid of the row `offset` rows after rowid `anchor`, and
   * whether it can anchor a search (1) or not (0), read from the index alone.
   */
  readonly skipSql: string
  /**
   * An archive without the export-order index: every read goes through
   * these (SortedKeys) instead of the queries above.
   */
  readonly sortedKeys?: SortedKeysSql | undefined
  readonly params: Record<string, string>
  readonly batchSize: number
  readonly budgetBytes: number
  readonly busyTimeout: number
  readonly instantFunction: string
  /** Encode mode: the archive file open for reading stored records (OpenFiles), if it could be. */
  readonly fd?: number | undefined
  /** Encode mode: the plugin to load and its options as the user gave them. */
  readonly encoder?: {
    readonly module: string
    readonly name: string
    readonly options: unknown
  }
}

export interface SortedKeysSql {
  /** The selection's rowids in export order, a rowid past 2^53 as text. */
  readonly keysSql: string
  /** One post by rowid. */
  readonly rowSql: string
}

/** A run of consecutive posts in export order: `limit` posts from `offset`. */
export interface ChunkPlan {
  readonly index: number
  readonly offset: number
  readonly limit: number
}

export type ToWorker =
  | { readonly type: "next" }
  | { readonly type: "query"; readonly id: number; readonly sql: string; readonly params: Record<string, unknown> }
  | {
      readonly type: "start"
      readonly total: number
      readonly chunks: ReadonlyArray<ChunkPlan>
      readonly credit: number
    }
  | { readonly type: "chunks"; readonly chunks: ReadonlyArray<ChunkPlan> }
  | { readonly type: "credit"; readonly n: number; readonly buffer?: SharedArrayBuffer }
  | { readonly type: "close" }

export type FromWorker =
  | { readonly type: "ready"; readonly total: number }
  /** The thread ended its export cleanly (connection closed): it may serve another. */
  | { readonly type: "closed" }
  | { readonly type: "batch"; readonly rows: Array<Array<unknown>> }
  | { readonly type: "end" }
  | { readonly type: "result"; readonly id: number; readonly rows?: Array<Array<unknown>>; readonly error?: string }
  | {
      readonly type: "encoded"
      readonly chunk: number
      /** The encoded bytes of `posts` posts (possibly none at a chunk's end). */
      readonly bytes: Uint8Array
      readonly posts: number
      /** Posts before this batch in the whole export. */
      readonly offset: number
      /** Whether this is the chunk's last message. */
      readonly last: boolean
      /** Decoding warnings of this batch (all counted, the first few kept). */
      readonly warnings?: { readonly count: number; readonly first: ReadonlyArray<string> }
    }
  | {
      readonly type: "error"
      readonly stage: "snapshot" | "read" | "encode"
      readonly message: string
      /** Posts before the batch that failed, when one did. */
      readonly offset?: number
    }

/** An error's message (with its code), as the protocol carries it. */
export const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message
  }
  return String(e)
}
