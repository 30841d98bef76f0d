/**
 * A re-import's search for archived posts that the repository no longer
 * holds: the account's archived posts in uri order, merged with the
 * repository's post URIs (ascending in UTF-8 byte order, as SQLite orders the
 * text of a UTF-8 archive; `undefined` for a record that is not a post, which
 * costs a step too). It runs a bounded stretch per `step`, so that a caller
 * can let a signal in between; with `drop`, each post found is deleted as it
 * is found (inside the import's transaction), so nothing grows with their number.
 */
import type Database from "better-sqlite3"

/** Archived posts read per query. */
const PAGE = 1_000

const bytes = (s: string) => Buffer.from(s, "utf8")

export class Unseen {
  /** The account's archived posts with a uri: what `checked` counts up to. */
  readonly total: number
  /** The account's archived posts looked at so far. */
  checked = 0
  /** Posts found missing so far, and the first `listed` of them in uri order. */
  missed = 0
  readonly first: Array<string> = []
  private rows: Array<[uri: string, ours: unknown]> = []
  private at = 0
  private after: string | undefined
  private readonly last: string | undefined
  private ended = false
  private started = false
  private next: IteratorResult<string | undefined>
  private readonly firstPage: Database.Statement
  private readonly page: Database.Statement

  constructor(
    db: Database.Database,
    private readonly did: string,
    private readonly uris: Iterator<string | undefined>,
    private readonly options: { readonly listed: number; readonly drop?: ((uri: string) => void) | undefined }
  ) {
    const [total, first, last] = db
      .prepare("SELECT count(uri), min(uri), max(uri) FROM posts WHERE did = ?")
      .raw(true)
      .get(did) as [number, string | null, string | null]
    this.total = total
    this.after = first ?? undefined
    this.last = last ?? undefined
    this.ended = total === 0
    // Through the uri index, between the account's first and last uri: a page costs its own rows,
    // and other accounts' posts outside that span are never read. Filtered by did in SQL, SQLite
    // took the did index and sorted all of the account's remaining posts for every page.
    const columns = "SELECT uri, did = @did FROM posts WHERE"
    const order = `uri <= @last ORDER BY uri LIMIT ${PAGE}`
    this.firstPage = db.prepare(`${columns} uri >= @after AND ${order}`).raw(true)
    this.page = db.prepare(`${columns} uri > @after AND ${order}`).raw(true)
    this.next = uris.next()
  }

  /**
   * Takes at most `budget` repository records or archived posts (of any
   * account, within the span) further; true once every one was looked at.
   */
  step(budget: number): boolean {
    for (let spent = 0; spent < budget; spent++) {
      if (this.at === this.rows.length) {
        if (this.ended) return true
        const statement = this.started ? this.page : this.firstPage
        this.started = true
        this.rows = statement.all({ did: this.did, after: this.after, last: this.last }) as Array<[string, unknown]>
        this.at = 0
        if (this.rows.length < PAGE) this.ended = true
        if (this.rows.length === 0) return true
        this.after = this.rows[this.rows.length - 1]![0]
      }
      const [uri, ours] = this.rows[this.at]!
      if (ours !== 1) {
        this.at++
        continue
      }
      const next = this.next
      if (
        next.done !== true &&
        (next.value === undefined || (next.value !== uri && Buffer.compare(bytes(next.value), bytes(uri)) < 0))
      ) {
        this.next = this.uris.next()
        continue
      }
      if (next.done === true || next.value !== uri) {
        this.missed++
        if (this.first.length < this.options.listed) this.first.push(uri)
        this.options.drop?.(uri)
      }
      this.at++
      this.checked++
    }
    return false
  }
}
