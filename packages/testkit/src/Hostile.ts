/**
 * fast-check arbitraries of hostile `posts` rows, each with the values an
 * encoder must write for it, for property tests of the core's row decoding
 * and of format plugins (`@skyporter/testkit/hostile`).
 *
 * A row holds what SQLite can hand the core — text, integers (past 2^53 as
 * decimal text), reals, BLOBs, NULL — filled with arbitrary UTF-16 (lone
 * surrogates and every control character included), text that looks like
 * CSV or JSON syntax or a spreadsheet formula, stored JSON that is valid
 * (odd spacing, raw lone surrogates and U+2028 in strings, BLOBs), invalid
 * or a media embed, counts from -2^63 to 2^63-1 spelled in every way, and
 * timestamps in every accepted spelling, offset and fraction length, or not
 * timestamps at all. The expected values come from how each value was
 * generated, not from the code under test.
 */
import { type FormatPlugin, Post } from "@skyporter/core"
import { Effect } from "effect"
import * as fc from "fast-check"
import { count, flag } from "./HostileCounts.js"
import type { HostileRow } from "./HostileExpected.js"
import { jsonColumn } from "./HostileJson.js"
import { textColumn } from "./HostileText.js"
import { timestamp } from "./HostileTimestamps.js"
import * as Sink from "./Sink.js"

export type { ExpectedJson, ExpectedPost, ExpectedTimestamp, HostileRow } from "./HostileExpected.js"
export { CSV_HEADER, countTexts, csvCells, jsonObject } from "./HostileOutput.js"
export { text } from "./HostileText.js"

/** One hostile row and its expected output. */
export const row: fc.Arbitrary<HostileRow> = fc
  .record({
    uri: textColumn,
    cid: textColumn,
    did: textColumn,
    text: textColumn,
    createdAt: timestamp,
    indexedAt: timestamp,
    archivedAt: fc.oneof(
      timestamp.filter((t) => t.stored !== null),
      fc.constant(null)
    ),
    hasMedia: flag,
    isReply: flag,
    likeCount: count,
    repostCount: count,
    replyCount: count,
    quoteCount: count,
    replyParent: textColumn,
    embedType: textColumn,
    embedData: jsonColumn,
    labels: jsonColumn
  })
  .map((g): HostileRow => ({
    row: [
      g.uri.stored,
      g.cid.stored,
      g.did.stored,
      g.text.stored,
      g.createdAt.stored,
      g.indexedAt.stored,
      g.hasMedia.stored,
      g.likeCount.stored,
      g.repostCount.stored,
      g.replyCount.stored,
      g.quoteCount.stored,
      g.isReply.stored,
      g.replyParent.stored,
      g.embedType.stored,
      g.embedData.stored,
      g.labels.stored,
      g.archivedAt === null ? null : g.archivedAt.stored
    ],
    expected: {
      uri: g.uri.expected,
      cid: g.cid.expected,
      did: g.did.expected,
      text: g.text.expected,
      createdAt: g.createdAt.expected,
      indexedAt: g.indexedAt.expected,
      archivedAt: g.archivedAt === null ? null : g.archivedAt.expected,
      hasMedia: g.hasMedia.expected,
      isReply: g.isReply.expected,
      likeCount: g.likeCount.expected,
      repostCount: g.repostCount.expected,
      replyCount: g.replyCount.expected,
      quoteCount: g.quoteCount.expected,
      replyParent: g.replyParent.expected,
      embedType: g.embedType.expected,
      embedData: g.embedData.expected.expected,
      labels: g.labels.expected.expected,
      mediaFiles: g.embedData.expected.names
    }
  }))

/** The posts of hostile rows, decoded by the core (warnings dropped). */
export const decode = (rows: ReadonlyArray<HostileRow>): Array<Post.Post> =>
  rows.map((r) => Post.decodeRow(r.row, () => {}))

/** Splits `items` at the cut points (fractions of its length): the batches, in order, empty ones included. */
const split = <A>(items: ReadonlyArray<A>, cuts: ReadonlyArray<number>): Array<ReadonlyArray<A>> => {
  const points = [...cuts.map((c) => Math.floor(c * items.length)), 0, items.length].sort((a, b) => a - b)
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 1; i < points.length; i++) out.push(items.slice(points[i - 1], points[i]))
  return out
}

/** Up to 30 hostile rows and where to cut them into batches. */
const cutRows = fc.record({
  rows: fc.array(row, { maxLength: 30 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })
})

/**
 * The batching property of a format plugin: for any hostile posts cut into
 * any batches (empty ones included), with any of `options`, the bytes equal
 * those of the posts written as one batch.
 */
export const batchingProperty = (
  plugin: FormatPlugin.FormatPlugin,
  options: fc.Arbitrary<unknown> = fc.constant({})
): fc.IAsyncProperty<[{ rows: Array<HostileRow>; cuts: Array<number> }, unknown]> =>
  fc.asyncProperty(cutRows, options, async ({ cuts, rows }, opts) => {
    const posts = decode(rows)
    const whole = await Sink.bytes(plugin, [posts], opts)
    return (await Sink.bytes(plugin, split(posts, cuts), opts)).equals(whole)
  })

/**
 * The stored-records property of a plugin with `writeRecords`: for any
 * hostile rows cut into any batches, with any of `options`, the bytes and the
 * warnings written from the rows' stored fields equal those written from the
 * decoded posts.
 */
export const recordsProperty = (
  plugin: FormatPlugin.FormatPlugin,
  options: fc.Arbitrary<unknown> = fc.constant({})
): fc.IAsyncProperty<[{ rows: Array<HostileRow>; cuts: Array<number> }, unknown]> =>
  fc.asyncProperty(cutRows, options, async ({ cuts, rows }, opts) => {
    const parts = split(
      rows.map((r) => r.row),
      cuts
    )
    const [fromPosts, fromRecords] = await Promise.all(
      [false, true].map((records) => Effect.runPromise(Sink.encodeRows(plugin, parts, opts, records)))
    )
    return (
      fromRecords!.bytes.equals(fromPosts!.bytes) &&
      JSON.stringify(fromRecords!.warnings) === JSON.stringify(fromPosts!.warnings)
    )
  })
