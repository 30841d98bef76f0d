/**
 * The reading half of an export, on its own thread: it holds the export's
 * read transaction (its snapshot) on a private read-only connection, counts
 * the selection, and reads batches ahead while the main thread encodes the
 * previous one — the two halves run on two cores.
 *
 * Protocol (main → worker): `next` (read one more batch), `query` (any read
 * in the same snapshot, answered by id), `close`. The worker answers with
 * `ready`, `batch`, `end`, `result` or `error`.
 */
import Database from "better-sqlite3"
import { parentPort, workerData } from "node:worker_threads"
import * as Timestamp from "./Timestamp.js"

export interface WorkerInit {
  readonly path: string
  readonly countSql: string
  readonly rowsSql: string
  readonly params: Record<string, string>
  readonly batchSize: number
  readonly budgetBytes: number
  readonly busyTimeout: number
  readonly instantFunction: string
  /** Columns holding stored JSON, whose validity is checked here, off the main thread. */
  readonly jsonColumns: ReadonlyArray<number>
}

export type ToWorker =
  | { readonly type: "next" }
  | { readonly type: "query"; readonly id: number; readonly sql: string; readonly params: Record<string, unknown> }
  | { readonly type: "close" }

export type FromWorker =
  | { readonly type: "ready"; readonly total: number }
  | {
    readonly type: "batch"
    readonly rows: Array<Array<unknown>>
    /** Per row, bit k set when jsonColumns[k] holds well-formed JSON (or nothing). */
    readonly valid: Uint8Array
  }
  | { readonly type: "end" }
  | { readonly type: "result"; readonly id: number; readonly rows?: Array<Array<unknown>>; readonly error?: string }
  | { readonly type: "error"; readonly stage: "snapshot" | "read"; readonly message: string }

const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message
  }
  return String(e)
}

const isValidJson = (v: unknown): boolean => {
  if (v === null || v === undefined) return true
  const text = typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString("utf8") : String(v)
  if (text === "") return true
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const size = (v: unknown): number =>
  typeof v === "string" ? v.length * 2 : Buffer.isBuffer(v) ? v.length : 8

const run = (init: WorkerInit, port: NonNullable<typeof parentPort>) => {
  const post = (m: FromWorker) => port.postMessage(m)
  let db: Database.Database
  let cursor: IterableIterator<Array<unknown>>
  try {
    db = new Database(init.path, { readonly: true, fileMustExist: true, timeout: init.busyTimeout })
    db.function(init.instantFunction, { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? (Timestamp.canonicalInstant(text) ?? null) : null)
    db.exec("BEGIN")
    const total = Number(db.prepare(init.countSql).pluck().get(init.params))
    cursor = db.prepare(init.rowsSql).raw(true).iterate(init.params) as IterableIterator<Array<unknown>>
    post({ type: "ready", total })
  } catch (e) {
    post({ type: "error", stage: "snapshot", message: describe(e) })
    return
  }

  let done = false
  // A row that would take a batch past the budget starts the next batch
  // instead, so no batch exceeds it (a row larger than the budget goes alone).
  let carried: { readonly row: Array<unknown>; readonly bytes: number } | undefined
  port.on("message", (m: ToWorker) => {
    switch (m.type) {
      case "next": {
        if (done && carried === undefined) return post({ type: "end" })
        try {
          const rows: Array<Array<unknown>> = []
          let bytes = 0
          if (carried !== undefined) {
            rows.push(carried.row)
            bytes = carried.bytes
            carried = undefined
          }
          while (!done && rows.length < init.batchSize) {
            const next = cursor.next()
            if (next.done) {
              done = true
              break
            }
            const row = next.value
            let rowBytes = 0
            for (let i = 0; i < row.length; i++) rowBytes += size(row[i])
            if (rows.length > 0 && bytes + rowBytes > init.budgetBytes) {
              carried = { row, bytes: rowBytes }
              break
            }
            rows.push(row)
            bytes += rowBytes
          }
          if (rows.length === 0) return post({ type: "end" })
          const valid = new Uint8Array(rows.length)
          for (let r = 0; r < rows.length; r++) {
            let bits = 0
            for (let k = 0; k < init.jsonColumns.length; k++) {
              if (isValidJson(rows[r]![init.jsonColumns[k]!])) bits |= 1 << k
            }
            valid[r] = bits
          }
          port.postMessage({ type: "batch", rows, valid } satisfies FromWorker, [valid.buffer])
        } catch (e) {
          done = true
          post({ type: "error", stage: "read", message: describe(e) })
        }
        return
      }
      case "query": {
        try {
          post({ type: "result", id: m.id, rows: db.prepare(m.sql).raw(true).all(m.params) as Array<Array<unknown>> })
        } catch (e) {
          post({ type: "result", id: m.id, error: describe(e) })
        }
        return
      }
      case "close": {
        try {
          cursor.return?.()
          if (db.inTransaction) db.exec("ROLLBACK")
          db.close()
        } finally {
          port.close()
        }
        return
      }
    }
  })
}

if (parentPort && workerData) run(workerData as WorkerInit, parentPort)
