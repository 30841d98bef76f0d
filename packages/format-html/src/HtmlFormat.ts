/**
 * The `html` format plugin: posts.html, a page to open in a browser. A thin
 * wrapper around Page's plain functions.
 */
// Deep imports: worker threads load this plugin, and the barrels cost a second each.
import * as FormatPlugin from "@skyporter/core/FormatPlugin"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import * as Page from "./Page.js"

const NAME = "html"

// By package name, not by path: the CLI's bundle inlines this module elsewhere.
const require = createRequire(import.meta.url)
const { version } = require("@skyporter/format-html/package.json") as { readonly version: string }

/**
 * The most posts one page holds. The page is one file that the browser reads
 * whole before it can search it, and lays every post out in one scrolling
 * column; past this the file passes 100 MB and the column the height a
 * browser can scroll (see the README).
 */
export const MAX_POSTS = 200_000

export const HtmlOptions = Schema.Struct({
  title: Schema.String.annotate({ description: "The page's title (default \"Bluesky posts\")" }).pipe(
    Schema.withDecodingDefault(Effect.succeed("Bluesky posts"))
  )
})

export type HtmlOptions = typeof HtmlOptions.Type

const failure = (cause: unknown): FormatPlugin.FormatError =>
  new FormatPlugin.FormatError({
    plugin: NAME,
    message: `could not encode posts as HTML: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** The message for an export larger than one page holds. */
export const tooMany = (total: number): string =>
  `an HTML export holds at most ${MAX_POSTS.toLocaleString("en-US")} posts and this one has ` +
  `${total.toLocaleString("en-US")}: the page is one file a browser must read whole, and it stops ` +
  `opening quickly past that. Export a date range with --since/--until (a year per page, say), ` +
  `or use the json or ndjson format`

export const makeSink = (options: HtmlOptions, context: FormatPlugin.SinkContext): FormatPlugin.FormatSink => ({
  start: Effect.try({ try: () => Page.head(options), catch: failure }),
  write: (batch, { offset }) => Effect.try({ try: () => Page.batch(batch, offset), catch: failure }),
  end: Effect.try({ try: () => Page.foot(context.total), catch: failure })
})

export const htmlFormat: FormatPlugin.FormatPlugin<HtmlOptions> = FormatPlugin.define<HtmlOptions>({
  name: NAME,
  version,
  extension: "html",
  mediaType: "text/html; charset=utf-8",
  description: "posts.html: a page to read, search and keep your posts in a browser, offline",
  apiVersion: 1,
  options: HtmlOptions,
  make: (options, context) =>
    context.total > MAX_POSTS
      ? Effect.fail(new FormatPlugin.FormatError({ plugin: NAME, message: tooMany(context.total) }))
      : Effect.sync(() => makeSink(options, context)),
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-html")).href }
})
