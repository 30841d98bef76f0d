/**
 * skyporter-format-markdown: a skyporter format plugin, written as any third
 * party would write one, with its own copy of effect for its options schema.
 * The default export is the plugin.
 *
 *   skyporter export --db archive.db --did DID --plugin skyporter-format-markdown --format markdown
 */
import { define } from "@skyporter/plugin"
import { Effect, Schema } from "effect"
import { createRequire } from "node:module"
import * as Markdown from "./Markdown.js"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/** `--option title=…`, `--option links=false`, or `["skyporter-format-markdown", {"title": "…"}]` in skyporter.config.json. */
export const MarkdownOptions = Schema.Struct({
  title: Schema.String.annotate({ description: 'The document\'s heading (default "Bluesky posts")' }).pipe(
    // A check beyond the type: a heading is one non-blank line.
    Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(200)),
    Schema.withDecodingDefault(Effect.succeed("Bluesky posts"))
  ),
  links: Schema.Boolean.annotate({ description: "Link each post to bsky.app (default true)" }).pipe(
    Schema.withDecodingDefault(Effect.succeed(true))
  )
})

export type MarkdownOptions = typeof MarkdownOptions.Type

export const markdown = define<MarkdownOptions>({
  name: "markdown",
  version,
  extension: "md",
  mediaType: "text/markdown; charset=utf-8",
  description: "A Markdown document: one section per post",
  // The contract major this plugin was written for, as a literal.
  apiVersion: 2,
  // Through Standard Schema, so skyporter checks the options whatever copy of effect this folder has.
  options: Schema.toStandardSchemaV1(MarkdownOptions, { parseOptions: { errors: "all", onExcessProperty: "error" } }),
  make: (options) => {
    let wroteAny = false
    return {
      start: () => Markdown.heading(options),
      write: (batch) => {
        wroteAny ||= batch.length > 0
        return batch.map((post) => Markdown.section(post, options)).join("")
      },
      end: () => (wroteAny ? "" : Markdown.NO_POSTS)
    }
  }
})

export { escapeLine, section, text, webUrl } from "./Markdown.js"

export default markdown
