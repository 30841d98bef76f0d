/**
 * Reads batches of stored records from a cursor of rowids, as BatchReader
 * does rows: at most `batchSize` posts, and a post that would take a batch
 * past the budget starts the next one instead (a larger post goes alone).
 */
import type { RecordBatch } from "../RecordBatch.js"
import type { StoredRecords } from "./StoredRecords.js"

export class RecordReader {
  private done = false
  private carried: number | string | undefined

  constructor(
    private readonly keys: Iterator<number | string>,
    private readonly records: StoredRecords,
    private readonly batchSize: number,
    private readonly budgetBytes: number
  ) {}

  /** Fills `batch` with the next posts; empty when the cursor is exhausted. */
  next(batch: RecordBatch): void {
    const { records } = this
    records.reset(batch)
    let bytes = 0
    if (this.carried !== undefined) {
      bytes = records.find(this.carried)
      records.add(batch)
      this.carried = undefined
    }
    while (!this.done && batch.length < this.batchSize) {
      const next = this.keys.next()
      if (next.done === true) {
        this.done = true
        break
      }
      const size = records.find(next.value)
      if (batch.length > 0 && bytes + size > this.budgetBytes) {
        this.carried = next.value
        break
      }
      records.add(batch)
      bytes += size
    }
  }

  close(): void {
    this.done = true
    this.keys.return?.()
  }
}
