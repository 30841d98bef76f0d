/**
 * The `ndjson` format plugin: posts.ndjson, one post per line.
 *
 * Each line is the post as one compact JSON object — the same keys, order,
 * omissions and value rendering as the `json` format (`renderPostCompact`) —
 * followed by LF. Nothing comes before the first line or after the last, so an
 * export without posts is an empty file, and the bytes cannot depend on how
 * posts are split into batches: the sink keeps no state at all.
 */
import type { Post } from "@skyporter/core/Post"
import { encodeBatch, renderPostCompact, scratch } from "@skyporter/format-json/render"
import { define, noOptions, type Sink } from "@skyporter/plugin"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"

const NAME = "ndjson"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const { version } = require("@skyporter/format-ndjson/package.json") as { readonly version: string }

/** This format takes no options: any key is rejected. */
export const NdjsonOptions = noOptions

export type NdjsonOptions = Record<string, never>

/** One line of posts.ndjson, LF included. */
export const renderLine = (post: Post): string => renderPostCompact(post) + "\n"

/**
 * A posts.ndjson encoder. Its bytes depend on nothing but each batch; its
 * only state is the buffer it encodes into, so each export gets its own.
 */
export const makeSink = (): Sink => {
  const into = scratch()
  return { write: (batch) => encodeBatch(batch, renderLine, into) }
}

export const ndjsonFormat = define<NdjsonOptions>({
  name: NAME,
  version,
  extension: "ndjson",
  mediaType: "application/x-ndjson",
  description: "posts.ndjson: one compact JSON object per post, one post per line",
  apiVersion: 2,
  options: NdjsonOptions,
  make: () => makeSink(),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-ndjson")).href }
})
