/**
 * Links, mentions and hashtags found in a post's text, the way the Bluesky
 * app shows them. The archive keeps no facets, so they are found in the text:
 * `http(s)://` addresses (and `www.` ones), `@handle.domain` mentions and
 * `#tags`. Every href is built here from a fixed `https://` or `http://`
 * prefix, so no other scheme (`javascript:`, `data:`) can ever be linked.
 * Invisible and direction-changing characters end an address, so a link
 * never shows text its href does not hold.
 */

/** What a piece of text links to: 0 a web address, 1 a mention, 2 a hashtag. */
export type Kind = 0 | 1 | 2

/** Text shown as is, or `[kind, shown text, href]`. */
export type Segment = string | readonly [Kind, string, string]

// One alternative per kind; the lookbehinds keep a match from starting inside a word. A tag
// holds a letter and starts with no mark, so the keycap emoji #️⃣ is not one.
const TOKEN = new RegExp(
  [
    String.raw`(?<url>(?:https?:\/\/|(?<![\p{L}\p{N}_.@\/-])www\.)[^\s<>"\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+)`,
    String.raw`(?<![\p{L}\p{N}_.@\/-])@(?<handle>[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?)*\.[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9])`,
    String.raw`(?<![\p{L}\p{N}_&#\/])[#＃](?<tag>(?=[\p{M}\p{N}_]*\p{L})[\p{L}\p{N}_][\p{L}\p{M}\p{N}_]*)`
  ].join("|"),
  "gu"
)

// Punctuation that ends a sentence rather than an address.
const TRAILING = /[.,;:!?'"’”»)\]}]+$/u

/** An address with the sentence punctuation after it removed (a `)` stays when the address opened one). */
const trimUrl = (url: string): string => {
  let end = url.length
  const trailing = TRAILING.exec(url)
  if (trailing !== null) end = trailing.index
  // Keep closing parentheses that balance opening ones inside the address (Wikipedia links).
  let cut = url.slice(0, end)
  let rest = url.slice(end)
  while (rest.startsWith(")") && cut.split("(").length - 1 > cut.split(")").length - 1) {
    cut += ")"
    rest = rest.slice(1)
  }
  return cut
}

const MAX_TAG = 64

/** The segments of a post's text; one plain string when nothing in it links. */
export const segments = (text: string): ReadonlyArray<Segment> => {
  const out: Array<Segment> = []
  let last = 0
  const plain = (to: number) => {
    if (to > last) out.push(text.slice(last, to))
  }
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index
    const groups = m.groups!
    if (groups.url !== undefined) {
      const url = trimUrl(groups.url)
      const scheme = url.startsWith("www.") ? "https://" : ""
      // An address needs something after its scheme and a dot in its host.
      const host = (scheme + url).replace(/^https?:\/\//, "").split(/[/?#]/)[0]!
      if (!host.includes(".") || host.startsWith(".")) continue
      plain(at)
      out.push([0, url, scheme + url])
      last = at + url.length
    } else if (groups.handle !== undefined) {
      plain(at)
      out.push([1, m[0], `https://bsky.app/profile/${groups.handle.toLowerCase()}`])
      last = at + m[0].length
    } else if (groups.tag !== undefined && groups.tag.length <= MAX_TAG) {
      plain(at)
      out.push([2, m[0], `https://bsky.app/hashtag/${encodeURIComponent(groups.tag)}`])
      last = at + m[0].length
    }
  }
  if (out.length === 0) return text === "" ? [] : [text]
  plain(text.length)
  return out
}
