/**
 * The `ndjson` format plugin: posts.ndjson, one post per line.
 *
 * Each line is the post as one compact JSON object — the same keys, order,
 * omissions and value rendering as the `json` format (`renderPostCompact`) —
 * followed by LF. Nothing comes before the first line or after the last, so an
 * export without posts is an empty file, and the bytes cannot depend on how
 * posts are split into batches: the sink keeps no state at all.
 */
import { FormatPlugin } from "@skyporter/core"
import type { Post } from "@skyporter/core"
import { encodeBatch, renderPostCompact } from "@skyporter/format-json"
import { Effect } from "effect"
import { createRequire } from "node:module"

const NAME = "ndjson"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const NdjsonOptions = FormatPlugin.noOptions(NAME)

export type NdjsonOptions = typeof NdjsonOptions.Type

/** One line of posts.ndjson, LF included. */
export const renderLine = (post: Post.Post): string => renderPostCompact(post) + "\n"

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as NDJSON: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** A posts.ndjson encoder: stateless, so one sink could serve any number of exports. */
export const sink: FormatPlugin.FormatSink = {
  start: Effect.succeed(""),
  write: (batch) => Effect.try({ try: () => encodeBatch(batch, renderLine), catch: failure }),
  end: Effect.succeed("")
}

export const ndjsonFormat: FormatPlugin.FormatPlugin<NdjsonOptions> = FormatPlugin.define<NdjsonOptions>({
  name: NAME,
  version,
  extension: "ndjson",
  mediaType: "application/x-ndjson",
  description: "posts.ndjson: one compact JSON object per post, one post per line",
  apiVersion: FormatPlugin.API_VERSION,
  options: NdjsonOptions,
  make: () => Effect.succeed(sink)
})
