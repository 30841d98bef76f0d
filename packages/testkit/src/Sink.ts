/**
 * Driving a plugin's sink by hand, as the core would, without an archive or
 * files: for a plugin's unit tests. (The conformance suite also runs plugins
 * through the real export runner.)
 */
import { FormatPlugin, Post, PluginOptions, RecordBatch, Timestamp } from "@skyporter/core"
import { Effect } from "effect"

/** `items` split into batches of `size` (one batch when size is Infinity; none when there are no items). */
export const batches = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  if (!Number.isFinite(size)) return items.length === 0 ? [] : [items]
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`batch size must be a whole number ≥ 1, got ${size}`)
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A chunk's bytes, copied: a sink may reuse its buffer for the next batch. */
const toBuffer = (chunk: FormatPlugin.Chunk): Buffer =>
  typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk)

/**
 * The file a fresh sink writes for these batches: `options` (as a user gives
 * them) are checked by the plugin's schema, then `start`, one `write` per
 * batch and `end` run in order, with the context the core gives (the total,
 * each batch's offset); text chunks count as UTF-8.
 */
export const encode = (written: FormatPlugin.AnyPlugin, parts: ReadonlyArray<Post.PostBatch>, options: unknown = {}) =>
  Effect.gen(function* () {
    const plugin = FormatPlugin.toInternal(written)
    const decoded = yield* PluginOptions.decode(plugin, options)
    const sink = yield* plugin.make(decoded, { total: parts.reduce((n, batch) => n + batch.length, 0) })
    const chunks = [toBuffer(yield* sink.start)]
    let offset = 0
    for (const batch of parts) {
      chunks.push(toBuffer(yield* sink.write(batch, { offset })))
      offset += batch.length
    }
    chunks.push(toBuffer(yield* sink.end))
    return Buffer.concat(chunks)
  })

/**
 * The file several sinks write when each encodes a run of consecutive
 * batches, as threads do for a `concurrent` plugin: `start` from the first
 * sink, each run's batches from a fresh sink of its own (with their offsets
 * in the export), `end` from the last one.
 */
export const encodeInRuns = (
  written: FormatPlugin.AnyPlugin,
  runs: ReadonlyArray<ReadonlyArray<Post.PostBatch>>,
  options: unknown = {}
) =>
  Effect.gen(function* () {
    const plugin = FormatPlugin.toInternal(written)
    const decoded = yield* PluginOptions.decode(plugin, options)
    const total = runs.flat().reduce((n, batch) => n + batch.length, 0)
    const fresh = () => plugin.make(decoded, { total })
    const chunks = [toBuffer(yield* (yield* fresh()).start)]
    let offset = 0
    for (const run of runs) {
      const sink = yield* fresh()
      for (const batch of run) {
        chunks.push(toBuffer(yield* sink.write(batch, { offset })))
        offset += batch.length
      }
    }
    chunks.push(toBuffer(yield* (yield* fresh()).end))
    return Buffer.concat(chunks)
  })

/** What a sink wrote for rows, and the warnings their decoding gave, in post order. */
export interface Written {
  readonly bytes: Buffer
  readonly warnings: ReadonlyArray<string>
}

/**
 * The file a fresh sink writes for batches of rows (as `Post.selectColumns`
 * selects them), and the warnings, as the core would count them: with
 * `records`, each batch goes to `writeRecords` as stored fields (the core's
 * reading of an archive file, from the rows), else to `write` decoded.
 */
export const encodeRows = (
  written: FormatPlugin.AnyPlugin,
  parts: ReadonlyArray<ReadonlyArray<ReadonlyArray<unknown>>>,
  options: unknown,
  records: boolean
) =>
  Effect.gen(function* () {
    const plugin = FormatPlugin.toInternal(written)
    const decoded = yield* PluginOptions.decode(plugin, options)
    const sink = yield* plugin.make(decoded, { total: parts.reduce((n, batch) => n + batch.length, 0) })
    const writeRecords = sink.writeRecords
    if (records && writeRecords === undefined) throw new Error(`${plugin.name}'s sink has no writeRecords`)
    const chunks = [toBuffer(yield* sink.start)]
    const warnings: Array<{ readonly post: number; readonly message: string }> = []
    let offset = 0
    for (const rows of parts) {
      const at = offset
      let current = 0
      const warn: Post.Warn = (message, post) => warnings.push({ post: at + (post ?? current), message })
      const decode = (row: ReadonlyArray<unknown>, i: number) => ((current = i), Post.decodeRow(row, warn, i))
      const chunk =
        records && writeRecords !== undefined
          ? yield* writeRecords(RecordBatch.fromRows(rows, decode), { offset })
          : yield* sink.write(
              rows.map((row, i) => decode(row, i)),
              { offset }
            )
      chunks.push(toBuffer(chunk))
      offset += rows.length
    }
    chunks.push(toBuffer(yield* sink.end))
    // As the core keeps them: in post order, each post's in the order they came.
    const ordered = warnings.sort((a, b) => a.post - b.post).map((w) => w.message)
    return { bytes: Buffer.concat(chunks), warnings: ordered } satisfies Written
  })

/** `encode`, run to a Promise. */
export const bytes = (
  plugin: FormatPlugin.AnyPlugin,
  parts: ReadonlyArray<Post.PostBatch>,
  options: unknown = {}
): Promise<Buffer> => Effect.runPromise(encode(plugin, parts, options))

/** A decoded post with plain values (a post of `did:plc:example`), `fields` replacing any of them. */
export const post = (fields: Partial<Post.Post> = {}): Post.Post => ({
  uri: "at://did:plc:example/app.bsky.feed.post/3kexample",
  cid: "bafyreiexample",
  did: "did:plc:example",
  text: "hello",
  createdAt: Timestamp.decode("2024-05-09T22:10:00.250Z"),
  indexedAt: Timestamp.decode("2024-05-09T22:10:01Z"),
  archivedAt: null,
  hasMedia: false,
  isReply: false,
  likeCount: "0",
  repostCount: "0",
  replyCount: "0",
  quoteCount: "0",
  replyParent: "",
  embedType: "",
  embedData: null,
  labels: null,
  ...fields
})
