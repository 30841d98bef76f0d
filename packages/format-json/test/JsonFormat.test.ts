import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRequire } from "node:module"
import { Effect } from "effect"
import { FormatPlugin, PluginOptions } from "@skyporter/core"
import type { Post } from "@skyporter/core"
import { Compat } from "@skyporter/testkit"
import jsonFormatDefault, { jsonFormat } from "../src/index.js"
import { batches, compatArchive, encode, inRange, post, readPosts } from "./helpers.js"

const firstDifference = (a: Buffer, b: Buffer): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

/** Byte equality, with a readable diff on failure. */
const expectBytes = (actual: Buffer, expected: Buffer) => {
  if (!actual.equals(expected)) {
    const at = firstDifference(actual, expected)
    expect(actual.toString("utf8"), `first differing byte at offset ${at}`).toBe(expected.toString("utf8"))
  }
  expect(actual.equals(expected), "same bytes").toBe(true)
}

describe("jsonFormat plugin object", () => {
  it("fits the plugin contract", () => {
    expect(FormatPlugin.problems(jsonFormat)).toEqual([])
    expect(jsonFormatDefault).toBe(jsonFormat)
    expect(jsonFormat.name).toBe("json")
    expect(jsonFormat.extension).toBe("json")
    expect(jsonFormat.mediaType).toBe("application/json")
    expect(jsonFormat.apiVersion).toBe(FormatPlugin.API_VERSION)
    expect(jsonFormat.version).toBe(createRequire(import.meta.url)("../package.json").version)
    expect(jsonFormat.description).not.toBe("")
  })

  it("takes no options", () => {
    const engine = FormatPlugin.toInternal(jsonFormat)
    const decode = (input: unknown) => Effect.runSync(PluginOptions.decode(engine, input))
    expect(decode({})).toEqual({})
    expect(() => decode({ pretty: true })).toThrow(/pretty .*no options/)
    expect(() => decode([])).toThrow()
    expect(() => decode(null)).not.toThrow() // no options given
  })
})

describe("golden vectors", () => {
  let archive: ReturnType<typeof compatArchive>
  beforeAll(() => {
    archive = compatArchive()
  })
  afterAll(() => archive.cleanup())

  const cases: ReadonlyArray<{
    readonly golden: Compat.GoldenName
    readonly did: string
    readonly filter: (p: Post.Post) => boolean
    readonly count: number
  }> = [
    { golden: "alice.all.posts.json", did: "did:plc:alice", filter: () => true, count: 120 },
    { golden: "alice.range.posts.json", did: "did:plc:alice", filter: inRange, count: 89 },
    { golden: "bob.all.posts.json", did: "did:plc:bob", filter: () => true, count: 12 }
  ]

  for (const c of cases) {
    describe(c.golden, () => {
      const load = () => readPosts(archive.path, c.did).posts.filter(c.filter)

      it("matches byte for byte", () => {
        const posts = load()
        expect(posts).toHaveLength(c.count)
        expectBytes(encode(batches(posts, 1000)), Compat.golden(c.golden))
      })

      for (const size of [1, 7, 999, 1000, 1001, Infinity]) {
        it(`gives the same bytes in batches of ${size}`, () => {
          expectBytes(encode(batches(load(), size)), Compat.golden(c.golden))
        })
      }

      it("does not depend on empty batches in between", () => {
        const posts = load()
        const parts = [[], ...batches(posts, 5).flatMap((b) => [b, []])]
        expectBytes(encode(parts), Compat.golden(c.golden))
      })
    })
  }

  it("writes a file that JSON.parse reads back with the stored values", () => {
    const { posts } = readPosts(archive.path, "did:plc:alice")
    const parsed = JSON.parse(encode([posts]).toString("utf8")) as Array<Record<string, unknown>>
    expect(parsed).toHaveLength(posts.length)
    parsed.forEach((o, i) => {
      const p = posts[i]!
      expect(o.uri).toBe(p.uri)
      expect(o.text).toBe(p.text)
      if (p.embedData?.valid) expect(o.embed_data).toEqual(JSON.parse(p.embedData.text))
      if (p.labels?.valid) expect(o.labels).toEqual(JSON.parse(p.labels.text))
    })
  })
})

describe("json sink", () => {
  it("writes [] LF for an empty export", () => {
    expect(encode([]).toString("utf8")).toBe("[]\n")
    expect(encode([[], []]).toString("utf8")).toBe("[]\n")
  })

  it("lays out one post and several posts as posts.json does", () => {
    const one = encode([[post()]]).toString("utf8")
    expect(one.startsWith('[\n  {\n    "uri": ')).toBe(true)
    expect(one.endsWith("\n  }\n]\n")).toBe(true)
    const two = encode([[post({ text: "a" })], [post({ text: "b" })]]).toString("utf8")
    expect(two).toContain("\n  },\n  {\n")
    expect(JSON.parse(two).map((o: { text: string }) => o.text)).toEqual(["a", "b"])
  })

  it("gives the same bytes for large batches of non-ASCII posts as for one post per batch", () => {
    const posts = Array.from({ length: 3000 }, (_, i) =>
      post({ text: `${i} ${"日本語 🚀 é \u2028 ".repeat(1 + (i % 9))}`, likeCount: String(i) })
    )
    const whole = encode([posts])
    expect(whole.equals(encode(batches(posts, 1)))).toBe(true)
    expect(whole.equals(encode(batches(posts, 777)))).toBe(true)
    expect(JSON.parse(whole.toString("utf8"))).toHaveLength(3000)
  })

  it("gives every export its own state", () => {
    const effect = Effect.gen(function* () {
      const engine = FormatPlugin.toInternal(jsonFormat)
      const a = yield* engine.make({}, { total: 1 })
      const b = yield* engine.make({}, { total: 0 })
      return [yield* a.start, yield* a.write([post()]), yield* b.start, yield* b.end, yield* a.end]
    })
    const [, , bStart, bEnd, aEnd] = Effect.runSync(effect)
    expect(bStart + String(bEnd)).toBe("[]\n")
    expect(aEnd).toBe("\n]\n")
  })

  it("writes stored JSON that is not well-formed as a JSON string of its text", () => {
    const text = '{"images": [1, 2,, }\u2028"\\'
    const out = encode([
      [post({ embedData: { text, valid: false }, labels: { text: "nope", valid: false } })]
    ]).toString("utf8")
    expect(out).toContain(`\n    "embed_data": "{\\"images\\": [1, 2,, }\\u2028\\"\\\\",\n`)
    expect(out).toContain(`\n    "labels": "nope",\n`)
    const parsed = JSON.parse(out)[0]
    expect(parsed.embed_data).toBe(text)
    expect(parsed.labels).toBe("nope")
  })

  it("never crashes on lone surrogates and keeps the output well-formed UTF-8", () => {
    const bad = "a\ud800b\udc00c"
    const out = encode([
      [
        post({
          text: bad,
          embedData: { text: JSON.stringify({ k: bad }), valid: true },
          labels: { text: bad, valid: false }
        })
      ]
    ])
    const text = out.toString("utf8")
    expect(text).not.toContain("\ufffd")
    expect(text).toContain(`"text": "a\\ud800b\\udc00c"`)
    expect(text).toContain(`"k": "a\\ud800b\\udc00c"`)
    expect(JSON.parse(text)[0].text).toBe(bad)
  })
})
