import type { Sink as PluginSink } from "@skyporter/plugin"
import { FormatPlugin } from "@skyporter/core"
import { Compat, Sink } from "@skyporter/testkit"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"
import ndjsonDefault, { ndjsonFormat, renderLine } from "../src/index.js"

describe("ndjsonFormat plugin object", () => {
  it("fits the plugin contract", () => {
    expect(FormatPlugin.problems(ndjsonFormat)).toEqual([])
    expect(ndjsonDefault).toBe(ndjsonFormat)
    expect(ndjsonFormat).toMatchObject({ name: "ndjson", extension: "ndjson", mediaType: "application/x-ndjson" })
    expect(ndjsonFormat.apiVersion).toBe(FormatPlugin.API_VERSION)
    expect(ndjsonFormat.version).toBe(createRequire(import.meta.url)("../package.json").version)
  })

  it("takes no options", async () => {
    expect(await Sink.bytes(ndjsonFormat, [], {})).toEqual(Buffer.alloc(0))
    await expect(Sink.bytes(ndjsonFormat, [], { pretty: true })).rejects.toThrow(/pretty.*no options/)
  })
})

/**
 * The raw text of each element of a golden posts.json (an array laid out by
 * Go's json.Indent: elements open with a line "  {" and close with "  }").
 */
const goldenElements = (text: string): Array<string> => {
  const out: Array<string> = []
  let current: Array<string> | undefined
  for (const line of text.split("\n")) {
    if (line === "  {") current = [line]
    else if (current !== undefined) {
      current.push(line)
      if (line === "  }" || line === "  },") {
        out.push(current.join("\n").replace(/,$/, ""))
        current = undefined
      }
    }
  }
  return out
}

/** JSON text without whitespace outside strings: written here independently of the code under test. */
const compact = (json: string): string => json.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_m, str?: string) => str ?? "")

describe("the json plugin's values, one post per line", () => {
  for (const name of ["alice.all.posts.json", "alice.range.posts.json", "bob.all.posts.json"] as const) {
    it(`${name}: line i is element i of the golden array, compacted`, async () => {
      const posts = Compat.goldenPosts(name)
      const elements = goldenElements(Compat.golden(name).toString("utf8"))
      expect(posts.length).toBeGreaterThan(0)
      expect(elements).toHaveLength(posts.length)
      const text = (await Sink.bytes(ndjsonFormat, Sink.batches(posts, 1000))).toString("utf8")
      expect(text.endsWith("\n")).toBe(true)
      const lines = text.slice(0, -1).split("\n")
      expect(lines).toHaveLength(posts.length)
      lines.forEach((line, i) => {
        // The same values …
        expect(JSON.parse(line), `line ${i + 1}`).toEqual(JSON.parse(elements[i]!))
        // … spelled the same: key order, number spellings and escapes of stored JSON included.
        expect(line, `line ${i + 1}`).toBe(compact(elements[i]!))
      })
    })
  }

  it("an export without posts is an empty file", async () => {
    expect((await Sink.bytes(ndjsonFormat, [])).length).toBe(0)
    expect((await Sink.bytes(ndjsonFormat, [[], []])).length).toBe(0)
  })

  it("a batch longer than one 16K segment comes back as one Uint8Array of the same bytes", async () => {
    const posts = Compat.goldenPosts("alice.all.posts.json")
    const sink = ndjsonFormat.make({}, { total: posts.length }) as PluginSink
    const chunk = await sink.write(posts, { offset: 0 })
    expect(chunk).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(chunk as Uint8Array).toString("utf8")).toBe(posts.map(renderLine).join(""))
    const small = await sink.write(posts.slice(0, 1), { offset: 0 })
    expect(small).toBe(renderLine(posts[0]!))
  })

  it("escapes line breaks inside values, so every post stays on one line", async () => {
    const posts = Compat.goldenPosts("alice.all.posts.json")
    const withBreaks = posts.filter((p) => /[\n\r\u2028\u2029]/.test(p.text))
    expect(withBreaks.length).toBeGreaterThan(0)
    for (const p of withBreaks) {
      const line = renderLine(p)
      expect(line.indexOf("\n")).toBe(line.length - 1)
      expect(line).not.toMatch(/[\r\u2028\u2029]/)
    }
  })
})
