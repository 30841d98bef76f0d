/** What a hostile row must come out as, and a generated column value paired with it. */

/** A timestamp as JSON renders it (RFC 3339, fraction without trailing zeros) and as CSV does (whole seconds). */
export interface ExpectedTimestamp {
  readonly json: string
  readonly csv: string
}

/** Stored JSON: a value to compare with `JSON.parse` of the output, or text that is not JSON (written as a string). */
export type ExpectedJson =
  { readonly valid: true; readonly value: unknown } | { readonly valid: false; readonly text: string }

/** What one generated row must come out as. */
export interface ExpectedPost {
  readonly uri: string
  readonly cid: string
  readonly did: string
  readonly text: string
  readonly createdAt: ExpectedTimestamp
  readonly indexedAt: ExpectedTimestamp
  /** Null: the JSON key is omitted. */
  readonly archivedAt: ExpectedTimestamp | null
  readonly hasMedia: boolean
  readonly isReply: boolean
  /** Exact decimal integers. */
  readonly likeCount: string
  readonly repostCount: string
  readonly replyCount: string
  readonly quoteCount: string
  /** "" is omitted from JSON. */
  readonly replyParent: string
  readonly embedType: string
  /** Null: omitted from JSON. */
  readonly embedData: ExpectedJson | null
  readonly labels: ExpectedJson | null
  /** The media file names of the embed, in CSV column order (listed only when hasMedia). */
  readonly mediaFiles: ReadonlyArray<string>
}

export interface HostileRow {
  /** The columns of `Post.selectColumns`, in order, as SQLite hands them. */
  readonly row: ReadonlyArray<unknown>
  readonly expected: ExpectedPost
}

export interface Generated<A> {
  readonly stored: unknown
  readonly expected: A
}

export const generated = <A>(stored: unknown, expected: A): Generated<A> => ({ stored, expected })
