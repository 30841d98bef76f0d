/**
 * Turning a batch of posts rendered as text into the chunk a sink returns,
 * fast: for format plugins that render each post as a string.
 */
import type { Chunk } from "./FormatPlugin.js"
import type { Post, PostBatch } from "./Post.js"
import { ByteWriter } from "./ByteWriter.js"

/**
 * Posts are gathered into strings of about this many UTF-16 units, each
 * written as UTF-8 on its own. Building a whole batch as one string measured
 * several times slower: a string over ~128 KB (64 K two-byte units) is
 * flattened into V8's large-object space, which costs far more.
 */
const SEGMENT_UNITS = 16_384

/**
 * Where a sink's batches are encoded: one buffer, grown as needed and reused
 * for every batch (the core is done with a returned chunk before it calls the
 * sink again), so no batch allocates its bytes or copies them twice.
 */
export type Scratch = ByteWriter

/** A fresh scratch buffer, for one sink. */
export const scratch = (): Scratch => new ByteWriter()

/**
 * The concatenated text of `render(post)` for every post of `batch`, in
 * order: a short result as a string, a longer one as UTF-8 bytes in `into`'s
 * buffer (valid until the next call with the same scratch). `render` is
 * called exactly once per post, in order, so it may keep state (for example
 * whether a separator is due).
 */
export const encode = (batch: PostBatch, render: (post: Post) => string, into: Scratch = scratch()): Chunk => {
  let segment = ""
  let spilled = false
  into.reset()
  const flush = () => {
    into.utf8(segment)
    segment = ""
    spilled = true
  }
  for (let i = 0; i < batch.length; i++) {
    segment += render(batch[i]!)
    if (segment.length >= SEGMENT_UNITS) flush()
  }
  if (!spilled) return segment
  if (segment !== "") flush()
  return into.view()
}
