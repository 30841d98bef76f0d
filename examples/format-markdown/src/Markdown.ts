/**
 * Posts as CommonMark: a title, then one section per post — its time as a
 * heading, its text as paragraphs, and a line of counts (and a link).
 *
 * Every section stands alone, so the bytes cannot depend on how posts are
 * split into batches; the only state is whether any post was written, for
 * the "No posts" line of an empty export.
 */
import type { Post, Timestamp } from "@skyporter/plugin"

export interface Options {
  /** The document's top-level heading. */
  readonly title: string
  /** Whether each post links to bsky.app. */
  readonly links: boolean
}

// Characters that can start Markdown syntax anywhere in a line. CommonMark
// lets any ASCII punctuation be escaped with a backslash.
const INLINE = /[\\`*_[\]<>|~#&!]/g
// What is syntax only at the start of a line: list bullets, setext underlines, ordered-list numbers.
const BULLET = /^[-+=]/
const ORDERED = /^(\d+)([.)])/
// Control characters other than TAB: Markdown has no use for them.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/

/** One line of text, escaped so that it renders as itself. */
export const escapeLine = (line: string): string =>
  line
    .replace(CONTROL, "\ufffd")
    .replace(INLINE, "\\$&")
    .replace(BULLET, "\\$&")
    .replace(ORDERED, "$1\\$2")
    // Leading blanks would make an indented code block: write them as entities.
    .replace(/^[ \t]+/, (blanks) => blanks.replace(/ /g, "&#32;").replace(/\t/g, "&#9;"))

/**
 * A post's text as Markdown paragraphs: blank lines separate paragraphs,
 * other line breaks are hard breaks (a backslash at the end of the line).
 */
export const text = (value: string): string => {
  const paragraphs: Array<string> = []
  let lines: Array<string> = []
  for (const line of value.split(LINE_BREAK)) {
    if (line.trim() === "") {
      if (lines.length > 0) paragraphs.push(lines.join("\\\n"))
      lines = []
    } else {
      lines.push(escapeLine(line))
    }
  }
  if (lines.length > 0) paragraphs.push(lines.join("\\\n"))
  return paragraphs.length === 0 ? "*(no text)*" : paragraphs.join("\n\n")
}

const POST_URI = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/

const urlPart = (s: string): string => encodeURIComponent(s).replace(/%3A/g, ":")

/** The bsky.app address of a post, when its uri is a post uri. */
export const webUrl = (uri: string): string | undefined => {
  const m = POST_URI.exec(uri)
  return m === null ? undefined : `https://bsky.app/profile/${urlPart(m[1]!)}/post/${urlPart(m[2]!)}`
}

const when = (t: Timestamp): string =>
  t.valid
    ? t.fraction === ""
      ? t.seconds + t.offset
      : `${t.seconds}.${t.fraction}${t.offset}`
    : t.text === ""
      ? "(no date)"
      : escapeLine(t.text)

const plural = (count: string, one: string, many: string) => `${count} ${count === "1" ? one : many}`

/** One post's section, starting with a blank line. */
export const section = (post: Post, options: Options): string => {
  const facts = [
    plural(post.likeCount, "like", "likes"),
    plural(post.repostCount, "repost", "reposts"),
    plural(post.replyCount, "reply", "replies"),
    plural(post.quoteCount, "quote", "quotes")
  ]
  if (post.isReply) facts.push("a reply")
  if (post.embedType !== "") facts.push(`embed: ${escapeLine(post.embedType)}`)
  const url = options.links ? webUrl(post.uri) : undefined
  if (url !== undefined) facts.push(`[view on Bluesky](<${url}>)`)
  return `\n## ${when(post.createdAt)}\n\n${text(post.text)}\n\n${facts.join(" · ")}\n`
}

/** The first line of the document. */
export const heading = (options: Options): string => `# ${escapeLine(options.title)}\n`

/** The last line of a document without posts. */
export const NO_POSTS = "\n*No posts.*\n"
