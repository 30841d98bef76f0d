/** Hostile stored JSON columns: valid (odd spacing, raw lone surrogates, BLOBs), invalid, or a media embed. */
import * as fc from "fast-check"
import { type ExpectedJson, type Generated, generated } from "./HostileExpected.js"
import { isWellFormed, text } from "./HostileText.js"

/** Any JSON value, re-spelled with odd whitespace between tokens (TAB, CR LF, deep indents). */
const jsonText = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<string | number>(0, 1, 7, "\t"), fc.boolean())
  .map(([value, indent, crlf]) => {
    const spelled = JSON.stringify(value, null, indent)
    return crlf ? spelled.replace(/\n/g, "\r\n") : spelled
  })

/** A JSON string literal that holds raw (unescaped) lone surrogates, U+2028 and non-ASCII. */
const rawStringLiteral = text.map(
  (s) =>
    '"' +
    s.replace(/[\\"\u0000-\u001f]/g, (c) =>
      c === "\\" || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
    ) +
    '"'
)

const MEDIA_KEYS = ["images", "media", "external"]

/** Valid JSON whose media file names are none: no embed shape at the top. */
const plainJson = fc
  .oneof(
    jsonText,
    rawStringLiteral.map((s) => `{"k":${s},"n":[1.0,-0,1e400,12345678901234567890]}`),
    rawStringLiteral
  )
  .filter((t) => {
    const v = JSON.parse(t) as unknown
    return typeof v !== "object" || v === null || Array.isArray(v) || !MEDIA_KEYS.some((k) => Object.hasOwn(v, k))
  })

/** A media file name and a URL that carries it (after the last `/`, before an `@`). */
const mediaUrl = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom("", "@jpeg", "@png"))
  .map(([name, suffix]) => ({ name, url: `https://cdn.example/img/feed_fullsize/plain/did:plc:x/${name}${suffix}` }))

/** An embed with images, a record with media, or an external link with a thumb, and its file names in column order. */
const mediaEmbed: fc.Arbitrary<{ readonly text: string; readonly names: ReadonlyArray<string> }> = fc.oneof(
  fc.array(mediaUrl, { maxLength: 4 }).map((images) => ({
    text: JSON.stringify({
      $type: "app.bsky.embed.images#view",
      images: images.map((i) => ({ fullsize: i.url, alt: "" }))
    }),
    names: images.map((i) => i.name)
  })),
  fc.array(mediaUrl, { minLength: 1, maxLength: 3 }).map((images) => ({
    text: JSON.stringify({ record: {}, media: { images: images.map((i) => ({ fullsize: i.url })) } }),
    names: images.map((i) => i.name)
  })),
  mediaUrl.map((thumb) => ({
    text: JSON.stringify({ external: { uri: 'https://example.com/,"x"', thumb: thumb.url } }),
    names: [thumb.name]
  }))
)

const INVALID_JSON = [
  "{bad",
  "[1,]",
  "NaN",
  "{'a':1}",
  '"unterminated',
  '{"a":1}}',
  "01",
  '["\ud800"',
  '{"a":1,}',
  "\u0000"
]

const invalidJson = fc
  .oneof(
    fc.constantFrom(...INVALID_JSON),
    text.filter((s) => {
      try {
        JSON.parse(s)
        return false
      } catch {
        return true
      }
    })
  )
  .filter((s) => s !== "")

export interface JsonColumn {
  readonly expected: ExpectedJson | null
  readonly names: ReadonlyArray<string>
}

export const jsonColumn: fc.Arbitrary<Generated<JsonColumn>> = fc.oneof(
  fc.constantFrom(null, "").map((v) => generated<JsonColumn>(v, { expected: null, names: [] })),
  plainJson.map((t) => generated<JsonColumn>(t, { expected: { valid: true, value: JSON.parse(t) }, names: [] })),
  plainJson
    .filter(isWellFormed)
    .map((t) =>
      generated<JsonColumn>(Buffer.from(t, "utf8"), { expected: { valid: true, value: JSON.parse(t) }, names: [] })
    ),
  mediaEmbed.map((e) =>
    generated<JsonColumn>(e.text, { expected: { valid: true, value: JSON.parse(e.text) }, names: e.names })
  ),
  invalidJson.map((t) => generated<JsonColumn>(t, { expected: { valid: false, text: t }, names: [] }))
)
