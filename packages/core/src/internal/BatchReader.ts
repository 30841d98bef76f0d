/**
 * Reads batches from a cursor: at most `batchSize` rows, and a row that would
 * take a batch past the budget starts the next batch instead, so no batch
 * exceeds it (a row larger than the budget goes alone).
 */
const size = (v: unknown): number => (typeof v === "string" ? v.length * 2 : Buffer.isBuffer(v) ? v.length : 8)

export class BatchReader {
  private done = false
  private carried: { readonly row: Array<unknown>; readonly bytes: number } | undefined

  constructor(
    private readonly cursor: IterableIterator<Array<unknown>>,
    private readonly batchSize: number,
    private readonly budgetBytes: number
  ) {}

  /** The next batch; empty when the cursor is exhausted. */
  next(): Array<Array<unknown>> {
    const rows: Array<Array<unknown>> = []
    let bytes = 0
    if (this.carried !== undefined) {
      rows.push(this.carried.row)
      bytes = this.carried.bytes
      this.carried = undefined
    }
    while (!this.done && rows.length < this.batchSize) {
      const next = this.cursor.next()
      if (next.done) {
        this.done = true
        break
      }
      const row = next.value
      let rowBytes = 0
      for (let i = 0; i < row.length; i++) rowBytes += size(row[i])
      if (rows.length > 0 && bytes + rowBytes > this.budgetBytes) {
        this.carried = { row, bytes: rowBytes }
        break
      }
      rows.push(row)
      bytes += rowBytes
    }
    return rows
  }

  close(): void {
    this.done = true
    this.cursor.return?.()
  }
}
