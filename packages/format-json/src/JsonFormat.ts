/**
 * The `json` format plugin: bskyarchive-compatible posts.json.
 *
 * File layout: `[` LF, the posts (each indented at nesting level 1) joined by
 * `,` LF, then LF `]` LF; an export without posts is `[]` LF. The sink writes
 * `[` on start, each post preceded by LF (first post) or `,` LF (any later
 * post), and LF `]` LF (or `]` LF when nothing was written) at the end, so the
 * bytes do not depend on how posts are split into batches.
 */
import { createRequire } from "node:module"
import { Effect, Schema } from "effect"
import { FormatPlugin } from "@skyporter/core"
import type { Post } from "@skyporter/core"
import { renderPost } from "./PostJson.js"

const NAME = "json"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/**
 * This format takes no options. An empty `Schema.Struct({})` alone accepts any
 * non-nullish value (effect treats it as the type `{}`), so the check rejects
 * every key explicitly.
 */
export const JsonOptions = Schema.Struct({}).check(
  Schema.makeFilter((input: object) => {
    if (typeof input !== "object" || Array.isArray(input)) return "the json format takes no options"
    const keys = Object.keys(input)
    return keys.length === 0
      ? undefined
      : keys.map((key) => ({ path: [key], issue: "unknown option: the json format takes no options" }))
  })
)

export type JsonOptions = typeof JsonOptions.Type

const FIRST_SEPARATOR = "\n  "
const SEPARATOR = ",\n  "

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as JSON: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * Posts are gathered into strings of about this many UTF-16 units, each
 * converted to UTF-8 on its own, and a batch is returned as one Uint8Array.
 * Building a whole batch as one string measured several times slower: a
 * string over ~128 KB (64 K two-byte units) is flattened into V8's
 * large-object space, which costs far more than the copies saved here.
 */
const SEGMENT_UNITS = 16_384

/** A fresh posts.json encoder. */
const makeSink = (): FormatPlugin.FormatSink => {
  let wroteAny = false
  const encode = (batch: Post.PostBatch): FormatPlugin.Chunk => {
    const segments: Array<Buffer> = []
    let segment = ""
    for (let i = 0; i < batch.length; i++) {
      segment += (wroteAny ? SEPARATOR : FIRST_SEPARATOR) + renderPost(batch[i]!, 1)
      wroteAny = true
      if (segment.length >= SEGMENT_UNITS) {
        segments.push(Buffer.from(segment, "utf8"))
        segment = ""
      }
    }
    if (segments.length === 0) return segment
    if (segment !== "") segments.push(Buffer.from(segment, "utf8"))
    return segments.length === 1 ? segments[0]! : Buffer.concat(segments)
  }
  return {
    start: Effect.succeed("["),
    write: (batch) => Effect.try({ try: () => encode(batch), catch: failure }),
    end: Effect.sync(() => (wroteAny ? "\n]\n" : "]\n"))
  }
}

export const jsonFormat: FormatPlugin.FormatPlugin<JsonOptions> = FormatPlugin.define<JsonOptions>({
  name: NAME,
  version,
  extension: "json",
  mediaType: "application/json",
  description: "posts.json as bskyarchive writes it: an indented JSON array of post objects",
  apiVersion: FormatPlugin.API_VERSION,
  options: JsonOptions,
  make: () => Effect.sync(makeSink)
})
