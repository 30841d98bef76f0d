/**
 * Puts the encoded batches of chunks that threads finish in any order back
 * in export order: batches of the chunk being written pass straight through;
 * those of later chunks wait here until every chunk before them has ended.
 */

/** Encoded bytes of consecutive posts of one chunk. */
export interface Encoded {
  readonly chunk: number
  readonly bytes: Uint8Array
  readonly posts: number
  /** Posts before these in the whole export. */
  readonly offset: number
  /** The chunk's last message. */
  readonly last: boolean
}

export class InOrder {
  private readonly held = new Map<number, Array<Encoded>>()
  private readonly ended = new Set<number>()
  private current = 0

  constructor(private readonly chunks: number) {}

  /** Whether every chunk has passed through. */
  get done(): boolean {
    return this.current >= this.chunks
  }

  /** Takes batches as they arrived; returns those that are now next in export order. */
  add(arrived: ReadonlyArray<Encoded>): Array<Encoded> {
    const ready: Array<Encoded> = []
    for (const message of arrived) {
      if (message.last) this.ended.add(message.chunk)
      if (message.chunk === this.current) ready.push(message)
      else {
        const waiting = this.held.get(message.chunk)
        if (waiting === undefined) this.held.set(message.chunk, [message])
        else waiting.push(message)
      }
      while (this.ended.has(this.current)) {
        this.current++
        const waiting = this.held.get(this.current)
        if (waiting !== undefined) {
          this.held.delete(this.current)
          ready.push(...waiting)
        }
      }
    }
    return ready
  }
}
