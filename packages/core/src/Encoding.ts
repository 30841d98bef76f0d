/**
 * What an encoder gives the writer: an export's posts as a stream of
 * encoded chunks in export order (see Encoder).
 */
import type * as Stream from "effect/Stream"
import type { ExportFailed } from "./Errors.js"
import type { FormatSink } from "./FormatPlugin.js"
import type * as Post from "./Post.js"
import type { Warnings } from "./Warnings.js"

/** Encoded bytes of consecutive posts. */
export interface EncodedChunk {
  /** Valid until the next chunk is pulled: its buffer may then be filled again. */
  readonly bytes: Uint8Array
  /** Posts encoded (0 at the end of a thread's share). */
  readonly posts: number
  /** The batch, counted from 1, that a failure to write these bytes names. */
  readonly batch: number
  /** The posts themselves, when they were decoded on this thread (media is copied from them). */
  readonly source?: Post.PostBatch | undefined
}

/** An export's posts, ready to be encoded. */
export interface Encoding {
  /** Posts in the selection, counted in the snapshot. */
  readonly total: number
  /**
   * The posts encoded, in export order: by `sink` on this thread, or by
   * threads that make their own sinks. Can be run once.
   */
  readonly encode: (sink: FormatSink) => Stream.Stream<EncodedChunk, ExportFailed>
  /** Values that could not be decoded as stored, once the stream has ended. */
  readonly warnings: () => Warnings
}
