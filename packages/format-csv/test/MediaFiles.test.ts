import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as MediaFiles from "../src/MediaFiles.js"
import { post, rawJson } from "./support.js"

const CDN = "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:test/"
const image = (name: string) => ({ fullsize: `${CDN}${name}@jpeg`, thumb: `${CDN}thumb-${name}@jpeg` })
const files = (embed: unknown) => MediaFiles.cell(post({ hasMedia: true, embedData: rawJson(JSON.stringify(embed)) }))
const filesOfText = (text: string) => MediaFiles.cell(post({ hasMedia: true, embedData: rawJson(text) }))

describe("fileName", () => {
  it("takes the text after the last / and cuts it before the first @", () => {
    expect(MediaFiles.fileName(`${CDN}bafkreiabc@jpeg`)).toBe("bafkreiabc")
    expect(MediaFiles.fileName(`${CDN}bafkreiabc`)).toBe("bafkreiabc")
    expect(MediaFiles.fileName("https://user@cdn.example/x/bafkreiat@jpeg@2x")).toBe("bafkreiat")
    expect(MediaFiles.fileName(`${CDN}bafkreiq@jpeg?width=100`)).toBe("bafkreiq")
    expect(MediaFiles.fileName(`${CDN}bafkreiq?a=b/c`)).toBe("c")
  })

  it('gives "" for no / or nothing left', () => {
    expect(MediaFiles.fileName("bafkreinoslash@jpeg")).toBe("")
    expect(MediaFiles.fileName(CDN)).toBe("")
    expect(MediaFiles.fileName("https://cdn.bsky.app/x/@jpeg")).toBe("")
    expect(MediaFiles.fileName("")).toBe("")
  })
})

describe("MediaFiles cell", () => {
  it("lists images, then media.images, then external.thumb, joined with ;", () => {
    expect(
      files({
        external: { thumb: `${CDN}ext@jpeg` },
        media: { images: [image("med1"), image("med2")] },
        images: [image("img1")]
      })
    ).toBe("img1;med1;med2;ext")
  })

  it("keeps repeated names and their order", () => {
    expect(files({ images: [image("a"), image("b"), image("c"), image("a")] })).toBe("a;b;c;a")
  })

  it("uses the last occurrence of a duplicated key", () => {
    expect(
      filesOfText(`{"images":[{"fullsize":"${CDN}first@jpeg"}],"images":[{"fullsize":"${CDN}second@jpeg"}]}`)
    ).toBe("second")
    expect(filesOfText(`{"images":[{"fullsize":"${CDN}x@jpeg","fullsize":"${CDN}y@jpeg"}]}`)).toBe("y")
  })

  it("reads JSON escapes and irregular whitespace", () => {
    expect(
      filesOfText(` {\n\t"images" : [ { "fullsize" : "https:\\/\\/cdn\\/b\\u0061fk@jpeg" } , { } , [ ] ] }\n`)
    ).toBe("bafk")
  })

  it("skips values of the wrong shape", () => {
    expect(
      files({
        images: [
          { fullsize: null },
          { fullsize: 123 },
          { fullsize: { url: `${CDN}obj@jpeg` } },
          { thumb: `${CDN}thumbonly@jpeg` },
          "not an object",
          [`${CDN}inarray@jpeg`],
          null,
          image("ok")
        ]
      })
    ).toBe("ok")
    expect(files({ images: { fullsize: `${CDN}obj@jpeg` } })).toBe("")
    expect(files({ images: `${CDN}str@jpeg` })).toBe("")
    expect(files({ media: [{ images: [image("x")] }] })).toBe("")
    expect(files({ media: { images: { 0: image("x") } } })).toBe("")
    expect(files({ external: { thumb: { $type: "blob", ref: { $link: "bafkreiblob" } } } })).toBe("")
    expect(files({ external: [{ thumb: `${CDN}x@jpeg` }] })).toBe("")
    expect(files({ external: `${CDN}x@jpeg` })).toBe("")
  })

  it('skips URLs without / or with nothing left, and keeps , and " in names', () => {
    expect(
      files({
        images: [
          { fullsize: `${CDN}noext` },
          { fullsize: "noslash@jpeg" },
          { fullsize: CDN },
          { fullsize: "https://cdn/x/@jpeg" },
          { fullsize: `${CDN}a,comma@jpeg` },
          { fullsize: `${CDN}a"quote@jpeg` },
          { fullsize: `${CDN}é🚀@jpeg` }
        ]
      })
    ).toBe('noext;a,comma;a"quote;é🚀')
  })

  it("reads nothing else: video, quoted posts' embeds, media.external, image thumbnails", () => {
    expect(
      files({ $type: "app.bsky.embed.video#view", thumbnail: `${CDN}video/thumbnail.jpg`, playlist: `${CDN}p.m3u8` })
    ).toBe("")
    expect(files({ record: { embeds: [{ images: [image("quoted")] }] } })).toBe("")
    expect(files({ media: { external: { thumb: `${CDN}mext@jpeg` } } })).toBe("")
    expect(files({ media: { media: { images: [image("deep")] } } })).toBe("")
    expect(files({ images: [{ thumb: `${CDN}t@jpeg` }] })).toBe("")
  })

  it("ignores inherited properties", () => {
    const text = `{"__proto__":{"images":[{"fullsize":"${CDN}proto@jpeg"}]}}`
    expect(filesOfText(text)).toBe("")
  })

  it("is empty unless has_media is set", () => {
    const embedData = rawJson(JSON.stringify({ images: [image("a")] }))
    expect(MediaFiles.cell(post({ hasMedia: false, embedData }))).toBe("")
    expect(MediaFiles.cell(post({ hasMedia: true, embedData }))).toBe("a")
  })

  it("is empty when embed_data is NULL, '' or not a JSON object", () => {
    expect(MediaFiles.cell(post({ hasMedia: true, embedData: null }))).toBe("")
    for (const text of ["null", "[]", "{}", '"text"', "1", "true", `[{"images":[{"fullsize":"${CDN}a@jpeg"}]}]`]) {
      expect(filesOfText(text), text).toBe("")
    }
  })

  it("is empty when embed_data is not valid JSON", () => {
    for (const text of [`{"images":[{"fullsize":"${CDN}a@jpeg"}]`, "{images: []}", "not json", `{"images":[]} x`]) {
      const embedData = rawJson(text)
      expect(embedData.valid).toBe(false)
      expect(MediaFiles.cell(post({ hasMedia: true, embedData })), text).toBe("")
    }
    // Text marked invalid is not parsed, even when it would parse.
    expect(
      MediaFiles.cell(
        post({
          hasMedia: true,
          embedData: { text: JSON.stringify({ images: [image("a")] }), valid: false }
        })
      )
    ).toBe("")
  })
})

describe("stored JSON parsed once", () => {
  /** A RawJson that counts how it is read, the way the core's answers. */
  const counted = (text: string) => {
    const reads = { valid: 0, parse: 0 }
    let valid: boolean
    try {
      JSON.parse(text)
      valid = true
    } catch {
      valid = false
    }
    const raw = {
      text,
      get valid() {
        reads.valid++
        return valid
      },
      parse: () => {
        reads.parse++
        return valid ? JSON.parse(text) : undefined
      }
    }
    return { raw, reads }
  }

  it("asks for the parsed value alone when the text can list files", () => {
    const { raw, reads } = counted(JSON.stringify({ images: [image("a"), image("b")] }))
    expect(MediaFiles.cell(post({ hasMedia: true, embedData: raw }))).toBe("a;b")
    expect(reads).toEqual({ valid: 0, parse: 1 })
    const bad = counted(`{"images":[{"fullsize":"${CDN}a@jpeg"}]`)
    expect(MediaFiles.cell(post({ hasMedia: true, embedData: bad.raw }))).toBe("")
    expect(bad.reads).toEqual({ valid: 0, parse: 1 })
  })

  it("only checks validity (so an invalid text still warns) when it cannot", () => {
    const { raw, reads } = counted(`{"video":{"thumbnail":"x"}`)
    expect(MediaFiles.cell(post({ hasMedia: true, embedData: raw }))).toBe("")
    expect(reads).toEqual({ valid: 1, parse: 0 })
  })
})

describe("parsing only what can list files", () => {
  it("finds keys spelled with escapes", () => {
    expect(filesOfText(`{"images":[{"full\\u0073ize":"${CDN}esc@jpeg"}]}`)).toBe("esc")
    expect(filesOfText(`{"\\u0065xternal":{"th\\u0075mb":"${CDN}t@jpeg"}}`)).toBe("t")
  })

  it("lists nothing for text naming neither fullsize nor thumb", () => {
    expect(filesOfText(`{"thumbnail":"${CDN}v@jpeg","fullsizes":[],"images":[{"thumbs":"${CDN}x@jpeg"}]}`)).toBe("")
  })

  // The reference: parse everything, then read the members.
  const reference = (text: string): Array<string> => {
    try {
      return MediaFiles.fromEmbed(JSON.parse(text))
    } catch {
      return []
    }
  }
  const KEYS = ["images", "media", "external", "fullsize", "thumb", "thumbnail", "alt", "$type"]
  const url = fc.oneof(
    fc.constantFrom(`${CDN}a@jpeg`, `${CDN}b`, "noslash", "https://x/y/c@png", 'https://x/y/"q",c@png'),
    fc.string({ maxLength: 8 })
  )
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      url,
      fc.constantFrom(null, 1, true),
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...KEYS), tie("node"), { maxKeys: 4 })
    )
  }))
  // JSON text, sometimes with keys spelled through escapes, or made malformed.
  const embedText = fc
    .tuple(node, fc.boolean(), fc.boolean(), fc.boolean())
    .map(([value, escFull, escThumb, broken]) => {
      let text = JSON.stringify(value)
      if (escFull) text = text.replaceAll('"fullsize"', '"\\u0066ullsize"')
      if (escThumb) text = text.replaceAll('"thumb"', '"th\\u0075mb"')
      return broken ? text.slice(0, -1) : text
    })

  it("gives what parsing everything gives, for any embed text", () => {
    fc.assert(
      fc.property(embedText, (text) => {
        expect(MediaFiles.fromRawJson({ text, valid: true })).toEqual(reference(text))
      }),
      { numRuns: 2000 }
    )
  })
})
