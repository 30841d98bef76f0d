/**
 * posts.html in three parts, as plain functions: `head` (the style, the
 * page's frame and a Content-Security-Policy that allows exactly the page's
 * own style and script, and the script itself, which picks up the posts as the
 * browser parses them), `batch` (the posts, in data blocks of `BLOCK` posts
 * each) and `foot` (closes the last block and the page).
 *
 * Data blocks start at every multiple of `BLOCK` in export order, so the
 * bytes of a batch depend only on its posts and its offset — never on how
 * posts were split into batches, nor on what was written before.
 */
import type * as Post from "@skyporter/core/Post"
import { createHash } from "node:crypto"
import { entry } from "./Entry.js"
import { html, scriptJson } from "./Escape.js"
import { script } from "./internal/Script.js"
import { style } from "./internal/Style.js"

export interface PageOptions {
  /** The page's title and top heading. */
  readonly title: string
}

/** Posts per data block. */
export const BLOCK = 1000

const OPEN = '<script type="application/json" class="posts">[\n'
const CLOSE = "\n]</script>\n"

const sha256 = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/** The policy: nothing from anywhere but this style, this script and images next to the page. */
export const policy = [
  "default-src 'none'",
  `script-src ${sha256(script)}`,
  `style-src ${sha256(style)}`,
  "img-src 'self' file:",
  "base-uri 'none'",
  "form-action 'none'"
].join("; ")

/** Everything before the first post. */
export const head = (options: PageOptions): string => {
  const title = html(options.title)
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${policy}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="referrer" content="no-referrer">\n' +
    `<title>${title}</title>\n<style>${style}</style>\n</head>\n<body>\n` +
    '<a class="skip" href="#feed">Skip to posts</a>\n' +
    `<header>\n<h1>${title}</h1>\n<p id="who"></p>\n<div class="bar">\n` +
    '<div role="search"><input type="search" id="q" aria-label="Search posts" placeholder="Search posts" autocomplete="off"></div>\n' +
    '<nav aria-label="Jump to a month"><select id="month" aria-label="Jump to a month"><option value="">Jump to month…</option></select></nav>\n' +
    '<button id="back" type="button" hidden>Back to all posts</button>\n</div>\n' +
    '<p id="status" role="status" aria-live="polite">Loading posts…</p>\n</header>\n' +
    '<main>\n<div id="feed" role="feed" aria-label="Posts" tabindex="-1"></div>\n' +
    "<noscript><p>This page shows its posts with JavaScript, which is turned off.</p></noscript>\n</main>\n" +
    `<script>${script}</script>\n`
  )
}

/** The data of posts `offset`, `offset + 1`, … of the export. */
export const batch = (posts: ReadonlyArray<Post.Post>, offset: number): string => {
  let out = ""
  for (let i = 0; i < posts.length; i++) {
    const n = offset + i
    if (n % BLOCK === 0) out += n === 0 ? OPEN : CLOSE + OPEN
    else out += ",\n"
    out += scriptJson(entry(posts[i]!))
  }
  return out
}

/** Everything after the last of `total` posts. */
export const foot = (total: number): string => (total > 0 ? CLOSE : "") + "</body>\n</html>\n"
