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
import { Effect } from "effect"
import { FormatPlugin } from "@skyporter/core"
import type { Post } from "@skyporter/core"
import { encodeBatch } from "./Batch.js"
import { renderPost } from "./PostJson.js"

const NAME = "json"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const JsonOptions = FormatPlugin.noOptions(NAME)

export type JsonOptions = typeof JsonOptions.Type

const FIRST_SEPARATOR = "\n  "
const SEPARATOR = ",\n  "

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as JSON: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** A fresh posts.json encoder. */
const makeSink = (): FormatPlugin.FormatSink => {
  let wroteAny = false
  const render = (post: Post.Post): string => {
    const text = (wroteAny ? SEPARATOR : FIRST_SEPARATOR) + renderPost(post, 1)
    wroteAny = true
    return text
  }
  return {
    start: Effect.succeed("["),
    write: (batch) => Effect.try({ try: () => encodeBatch(batch, render), catch: failure }),
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
