import { FormatPlugin, PluginOptions, type Post } from "@skyporter/core"
import { Compat } from "@skyporter/testkit"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { beforeAll, describe, expect, it } from "vitest"
import defaultExport, { plugin } from "../src/index.js"
import { batches, encode, fixturePosts, inRange, post } from "./support.js"

const text = (chunk: FormatPlugin.Chunk): string =>
  typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")

const DEFAULTS = { bom: true, escapeFormulas: false } as const

/** The plugin as the core runs it: Effects over its plain functions. */
const engine = FormatPlugin.toInternal(plugin)
const make = (options: typeof DEFAULTS | { bom: boolean; escapeFormulas: boolean }) =>
  engine.make(options, { total: 0 })

let alice: Array<Post.Post> = []
let nobody: Array<Post.Post> = []

beforeAll(() => {
  alice = fixturePosts("did:plc:alice")
  nobody = fixturePosts("did:plc:nobody")
})

describe("plugin object", () => {
  it("fits the core's plugin contract", () => {
    expect(FormatPlugin.problems(plugin)).toEqual([])
    expect(defaultExport).toBe(plugin)
  })

  it("describes the csv format", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(plugin.name).toBe("csv")
    expect(plugin.version).toBe(pkg.version)
    expect(plugin.extension).toBe("csv")
    expect(plugin.mediaType).toBe("text/csv; charset=utf-8")
    expect(plugin.apiVersion).toBe(FormatPlugin.API_VERSION)
    expect(plugin.description).not.toBe("")
  })

  it("makes a sink from decoded options", () => {
    const options = Effect.runSync(PluginOptions.decode(engine, {}))
    expect(options).toEqual(DEFAULTS)
    const sink = Effect.runSync(engine.make(options, { total: 0 }))
    expect(text(Effect.runSync(sink.start))).toBe(Compat.golden("empty.posts.csv").toString("utf8"))
  })
})

describe("golden vectors", () => {
  it("alice, all posts", () => {
    expect(alice).toHaveLength(120)
    expect(encode(DEFAULTS, [alice]).equals(Compat.golden("alice.all.posts.csv"))).toBe(true)
  })

  it("alice, date range", () => {
    const range = alice.filter(inRange)
    expect(range).toHaveLength(89)
    expect(encode(DEFAULTS, [range]).equals(Compat.golden("alice.range.posts.csv"))).toBe(true)
  })

  it("a DID with no posts: BOM and header only", () => {
    expect(nobody).toHaveLength(0)
    expect(encode(DEFAULTS, []).equals(Compat.golden("empty.posts.csv"))).toBe(true)
    expect(encode(DEFAULTS, [nobody]).equals(Compat.golden("empty.posts.csv"))).toBe(true)
  })

  it("matches the golden bytes whatever the batch size", () => {
    const expected = Compat.golden("alice.all.posts.csv")
    for (const size of [1, 7, 999, 1000, 1001, Infinity]) {
      expect(encode(DEFAULTS, batches(alice, size)).equals(expected), `batch size ${size}`).toBe(true)
    }
  })
})

describe("batch boundaries", () => {
  // Enough posts that batches of 999, 1000 and 1001 all split the file.
  const many = () => Array.from({ length: 21 }, () => alice).flat()

  for (const options of [DEFAULTS, { bom: false, escapeFormulas: true }]) {
    it(`give identical bytes (${JSON.stringify(options)})`, () => {
      const posts = many()
      const whole = encode(options, [posts])
      for (const size of [1, 7, 999, 1000, 1001]) {
        expect(encode(options, batches(posts, size)).equals(whole), `batch size ${size}`).toBe(true)
      }
    })
  }

  it("an empty batch writes nothing", () => {
    const sink = Effect.runSync(make(DEFAULTS))
    expect(text(Effect.runSync(sink.write([])))).toBe("")
    expect(text(Effect.runSync(sink.end))).toBe("")
  })

  it("reports a value the encoder cannot write as a FormatError", () => {
    const sink = Effect.runSync(make(DEFAULTS))
    const bad = post({ text: Symbol("not text") as unknown as string })
    const error = Effect.runSync(Effect.flip(sink.write([bad])))
    expect(error).toBeInstanceOf(FormatPlugin.FormatError)
    expect(error.plugin).toBe("csv")
    expect(error.message).toMatch(/^plugin crashed: a CSV cell must be a string, got symbol \(in write at /)
  })

  it("every batch is whole LF-terminated records", () => {
    const sink = Effect.runSync(make(DEFAULTS))
    const chunk = text(Effect.runSync(sink.write([post({ text: "a\r\nb" }), post({ text: "c" })])))
    expect(chunk.endsWith("\n")).toBe(true)
    expect(chunk.split("\n")).toHaveLength(4) // "…a\r", "b…", "…c…", ""
  })
})

describe("options", () => {
  it("bom: false leaves the BOM out and nothing else", () => {
    const withBom = encode(DEFAULTS, [alice])
    const without = encode({ bom: false, escapeFormulas: false }, [alice])
    expect(without.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false)
    expect(without.equals(withBom.subarray(3))).toBe(true)
    expect(without.toString("utf8").startsWith("URI,CID,DID,Text,")).toBe(true)
  })

  it("are checked, each bad one named with what is allowed", async () => {
    const exit = await Effect.runPromiseExit(PluginOptions.decode(engine, { bom: "yes", escapeFormula: true }))
    expect(exit._tag).toBe("Failure")
    const message =
      exit._tag === "Failure" ? String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message) : ""
    expect(message).toBe(
      'unknown option escapeFormula for format "csv" (allowed: bom, escapeFormulas): did you mean escapeFormulas for escapeFormula?; ' +
        'invalid options for format "csv": option "bom": expected true or false, got "yes"'
    )
  })

  it("escapeFormulas: true changes only the cells it neutralises", () => {
    const plain = encode(DEFAULTS, [alice]).toString("utf8")
    const escaped = encode({ bom: true, escapeFormulas: true }, [alice]).toString("utf8")
    expect(escaped).not.toBe(plain)
    expect(escaped.startsWith("\uFEFFURI,CID,DID,Text,")).toBe(true)
    // Removing each inserted apostrophe gives the plain file back.
    expect(escaped.replace(/(^|,|")'(?=[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20])/gm, "$1")).toBe(plain)
    expect(escaped).toContain(",'=1+2,")
  })
})
