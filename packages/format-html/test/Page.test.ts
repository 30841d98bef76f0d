import { FormatPlugin } from "@skyporter/core"
import { Sink } from "@skyporter/testkit"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import htmlDefault, { BLOCK, htmlFormat, MAX_POSTS, policy } from "../src/index.js"
import { script } from "../src/internal/Script.js"
import { style } from "../src/internal/Style.js"

const posts = Array.from({ length: 2 * BLOCK + 501 }, (_, i) =>
  Sink.post({
    uri: `at://did:plc:example/app.bsky.feed.post/${i}`,
    text: i % 3 === 0 ? `</script><!-- ${i} #t https://x.y` : `post ${i}`
  })
)

/** The JSON of each data block, in order. */
const blocks = (page: string): Array<Array<Array<unknown>>> =>
  [...page.matchAll(/<script type="application\/json" class="posts">([^<]*)<\/script>/g)].map((m) => JSON.parse(m[1]!))

describe("the html plugin", () => {
  it("fits the plugin contract", () => {
    expect(FormatPlugin.problems(htmlFormat)).toEqual([])
    expect(htmlDefault).toBe(htmlFormat)
    expect(htmlFormat).toMatchObject({
      name: "html",
      extension: "html",
      mediaType: "text/html; charset=utf-8",
      apiVersion: 2
    })
  })

  it("writes the same bytes however the posts are batched, in blocks of BLOCK posts", async () => {
    const whole = await Sink.bytes(htmlFormat, [posts])
    for (const size of [1, 7, BLOCK - 1, BLOCK, BLOCK + 1]) {
      expect((await Sink.bytes(htmlFormat, Sink.batches(posts, size))).equals(whole)).toBe(true)
    }
    const data = blocks(whole.toString("utf8"))
    expect(data.map((b) => b.length)).toEqual([BLOCK, BLOCK, 501])
    expect(data.flat().map((p) => p[0])).toEqual(posts.map((p) => p.uri))
  })

  it("writes a batch from its posts and offset alone, as a thread does", async () => {
    const total = posts.length
    const sink = await htmlFormat.make({ title: "t" }, { total })
    const one = await sink.write(posts.slice(BLOCK - 3, BLOCK + 4), { offset: BLOCK - 3 })
    const fresh = await htmlFormat.make({ title: "t" }, { total })
    expect(await fresh.write(posts.slice(BLOCK - 3, BLOCK + 4), { offset: BLOCK - 3 })).toBe(one)
    expect(String(one).startsWith(",\n")).toBe(true)
  })

  it("has a page with no posts: a frame, no data block", async () => {
    const page = (await Sink.bytes(htmlFormat, [])).toString("utf8")
    expect(blocks(page)).toEqual([])
    expect(page).toMatch(/^<!DOCTYPE html>\n/)
    expect(page.endsWith("</body>\n</html>\n")).toBe(true)
  })

  it("allows exactly its own style and script, and nothing from the network", async () => {
    const page = (await Sink.bytes(htmlFormat, [posts.slice(0, 3)])).toString("utf8")
    const hash = (t: string) => createHash("sha256").update(t).digest("base64")
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${policy}">`)
    expect(policy).toContain(`script-src 'sha256-${hash(script)}'`)
    expect(policy).toContain(`style-src 'sha256-${hash(style)}'`)
    expect(policy).toMatch(/^default-src 'none'; /)
    expect(page).toContain(`<script>${script}</script>`)
    expect(page).toContain(`<style>${style}</style>`)
    // No markup of a post outside its data block: every `<script` is the app's or a data block.
    expect(page.match(/<script/g)).toHaveLength(2)
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|`/)
  })

  it("escapes its title", async () => {
    const page = (await Sink.bytes(htmlFormat, [], { title: "</title><script>x</script>" })).toString("utf8")
    expect(page).toContain("<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>")
    await expect(Sink.bytes(htmlFormat, [], { colour: "red" })).rejects.toThrow(/colour/)
  })

  it(`refuses more than ${MAX_POSTS} posts before writing anything, naming the limit and what to do`, async () => {
    expect(() => htmlFormat.make({ title: "t" }, { total: MAX_POSTS + 1 })).toThrow(
      /at most 200,000 posts .* has 200,001: .*--since\/--until/
    )
    expect(htmlFormat.make({ title: "t" }, { total: MAX_POSTS })).toHaveProperty("write")
  })
})
