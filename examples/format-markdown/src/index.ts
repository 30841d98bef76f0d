/**
 * skyporter-format-markdown: a skyporter format plugin, written as any third
 * party would write one. The default export is the plugin.
 *
 *   skyporter export --db archive.db --did DID --plugin skyporter-format-markdown --format markdown
 */
import { FormatPlugin } from "@skyporter/core"
import { Effect, Schema } from "effect"
import { createRequire } from "node:module"
import * as Markdown from "./Markdown.js"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/** `--option title=…`, `--option links=false`, or `["skyporter-format-markdown", {"title": "…"}]` in skyporter.config.json. */
export const MarkdownOptions = Schema.Struct({
  title: Schema.String.annotate({ description: "The document's heading (default \"Bluesky posts\")" }).pipe(
    Schema.withDecodingDefault(Effect.succeed("Bluesky posts"))
  ),
  links: Schema.Boolean.annotate({ description: "Link each post to bsky.app (default true)" }).pipe(
    Schema.withDecodingDefault(Effect.succeed(true))
  )
})

export type MarkdownOptions = typeof MarkdownOptions.Type

const failure = (cause: unknown) =>
  new FormatPlugin.FormatError({
    plugin: "markdown",
    message: `could not write posts as Markdown: ${cause instanceof Error ? cause.message : String(cause)}`
  })

export const markdown: FormatPlugin.FormatPlugin<MarkdownOptions> = FormatPlugin.define<MarkdownOptions>({
  name: "markdown",
  version,
  extension: "md",
  mediaType: "text/markdown; charset=utf-8",
  description: "A Markdown document: one section per post",
  // The contract major this plugin was written for, as a literal: importing
  // FormatPlugin.API_VERSION would always equal the core it runs on.
  apiVersion: 1,
  options: MarkdownOptions,
  make: (options) =>
    Effect.sync(() => {
      let wroteAny = false
      return {
        start: Effect.sync(() => Markdown.heading(options)),
        write: (batch) =>
          Effect.try({
            try: () => {
              wroteAny ||= batch.length > 0
              return batch.map((post) => Markdown.section(post, options)).join("")
            },
            catch: failure
          }),
        end: Effect.sync(() => (wroteAny ? "" : Markdown.NO_POSTS))
      }
    })
})

export { escapeLine, section, text, webUrl } from "./Markdown.js"

export default markdown
