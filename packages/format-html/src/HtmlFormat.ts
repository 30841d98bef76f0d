/**
 * The `html` format plugin: posts.html, a page to open in a browser. A thin
 * wrapper around Page's plain functions.
 */
import { define, FormatError, optionsSchema, type SinkContext, type Sink } from "@skyporter/plugin"
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

export interface HtmlOptions {
  /** The page's title. */
  readonly title: string
}

/** The options schema (a Standard Schema): `title`, a non-empty string, default "Bluesky posts". */
export const HtmlOptions = optionsSchema<HtmlOptions>(["title"], (input) => {
  const title = input.title ?? "Bluesky posts"
  return typeof title === "string" && title.trim() !== ""
    ? { value: { title } }
    : { issues: [{ message: `expected a non-empty string, got ${JSON.stringify(title)}`, path: ["title"] }] }
})

/** The message for an export larger than one page holds. */
export const tooMany = (total: number): string =>
  `an HTML export holds at most ${MAX_POSTS.toLocaleString("en-US")} posts and this one has ` +
  `${total.toLocaleString("en-US")}: the page is one file a browser must read whole, and it stops ` +
  `opening quickly past that. Export a date range with --since/--until (a year per page, say), ` +
  `or use the json or ndjson format`

export const makeSink = (options: HtmlOptions, context: SinkContext): Sink => ({
  start: () => Page.head(options),
  write: (batch, { offset }) => Page.batch(batch, offset),
  end: () => Page.foot(context.total)
})

export const htmlFormat = define<HtmlOptions>({
  name: NAME,
  version,
  extension: "html",
  mediaType: "text/html; charset=utf-8",
  description: "posts.html: a page to read, search and keep your posts in a browser, offline",
  apiVersion: 2,
  options: HtmlOptions,
  make: (options, context) => {
    if (context.total > MAX_POSTS) throw new FormatError(tooMany(context.total))
    return makeSink(options, context)
  },
  // The built entry point, from src/ (tests), dist/ or a bundle: threads load JavaScript.
  concurrent: { module: pathToFileURL(require.resolve("@skyporter/format-html")).href }
})
