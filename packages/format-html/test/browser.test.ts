/**
 * posts.html in a real browser: Debian's headless Chromium (playwright-core)
 * opens exports the real CLI wrote, from file://, and the test checks what a
 * reader sees. Screenshots go to test-results/.
 *
 * Skipped (with a message) only where /usr/bin/chromium is missing; CI
 * installs it, so there it always runs.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  addPosts,
  articles,
  CHROMIUM,
  clean,
  exportHtml,
  launch,
  newTab,
  open,
  type Opened,
  RESULTS,
  screenshot,
  skyporter,
  texts
} from "./support.js"

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium`)
if (!hasChromium) console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`)

const DID = "did:plc:htmlreader2222222222222"
const post = (rkey: string) => `at://${DID}/app.bsky.feed.post/${rkey}`
const PWN = `<script>window.pwned="script"</script><img src=x onerror="window.pwned='img'"></script><!-- <svg onload=alert(1)> -->`
const RTL = "\u202eevil.exe \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 a\u200bb\u200dc\ufeffd"
const HUGE = "A long post. ".repeat(7_700) + "x".repeat(4_000) + " https://example.com/" + "a".repeat(3_000)

/** The newest posts of the small archive, newest first. */
const HOSTILE = [
  {
    uri: post("h6"),
    created_at: "2030-01-06T12:00:00.000Z",
    text: "my reply to myself",
    is_reply: 1,
    reply_parent: post("h1")
  },
  { uri: post("h1"), created_at: "2030-01-05T12:00:00.000Z", text: PWN },
  {
    uri: post("h2"),
    created_at: "2030-01-04T12:00:00.000Z",
    text: "javascript:window.pwned='js' [x](javascript:alert(1)) https://ok.example/path #tag @alice.bsky.social",
    embed_type: "external",
    embed_data: JSON.stringify({
      external: { uri: "javascript:alert(1)", title: "<b onmouseover=alert(1)>title</b>", description: PWN }
    }),
    labels: JSON.stringify([{ val: "<script>alert(1)</script>" }])
  },
  { uri: post("h3"), created_at: "2030-01-03T12:00:00.000Z", text: RTL },
  { uri: post("h4"), created_at: "2030-01-02T12:00:00.000Z", text: HUGE }
]

let browser: Browser
let tab: Page
let work: string
let withMedia: string
let withoutMedia: string
const pages: Array<Opened> = []

beforeAll(async () => {
  if (!hasChromium) return
  work = mkdtempSync(path.join(tmpdir(), "skyporter-html-"))
  const db = path.join(work, "small.db")
  // Chromium's start and its first tab wait on nothing the CLI does.
  const started = launch().then((b) => newTab((browser = b)))
  started.catch(() => {}) // awaited below
  await skyporter(
    ["seed", "--db", db, "--posts", "120", "--did", DID, "--media-root", path.join(work, "media-root")],
    work
  )
  addPosts(db, DID, HOSTILE)
  ;[withMedia, withoutMedia, tab] = await Promise.all([
    exportHtml(work, db, DID, path.join(work, "out"), ["--media", "--media-root", path.join(work, "media-root")]),
    exportHtml(work, db, DID, path.join(work, "out-plain")),
    started
  ])
}, 300_000)

afterAll(async () => {
  await browser?.close()
  if (work) rmSync(work, { recursive: true, force: true })
}, 300_000)

describe.skipIf(!hasChromium)("a small export with hostile posts", () => {
  it("shows the newest posts first, with post text as text and nothing executed", async () => {
    const o = await open(browser, path.join(withMedia, "posts.html"), 1000, 900, tab)
    pages.push(o)
    const { page } = o
    await screenshot(page, "small-desktop")
    const shown = await articles(page)
    expect(shown.slice(0, 5).map((a) => a.text)).toEqual(HOSTILE.map((h) => h.text))
    // The reader's time zone: New York is 5 hours behind UTC in January.
    expect(shown[0]!.time.replace(/\s/g, " ")).toBe("Jan 6, 2030, 7:00 AM")
    expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined()
    expect(await page.$$eval("#feed script, #feed img[src='x'], #feed svg", (l) => l.length)).toBe(0)
    // Only http(s) links, and the labels and card as text.
    const hrefs = shown.flatMap((a) => a.hrefs)
    for (const href of hrefs.filter((h) => h !== null)) expect(href).toMatch(/^https?:\/\//)
    expect(hrefs).toContain("https://ok.example/path")
    expect(hrefs).toContain("https://bsky.app/hashtag/tag")
    expect(hrefs).toContain("https://bsky.app/profile/alice.bsky.social")
    expect(shown[2]!.labels).toEqual(["<script>alert(1)</script>"])
    expect(shown[2]!.html).toContain("&lt;b onmouseover=alert(1)&gt;title&lt;/b&gt;")
    expect(shown[3]!.text).toBe(RTL)
    expect(shown[4]!.text.length).toBe(HUGE.length)
    clean(o, path.join(withMedia, "media"))
  })

  it("groups a reply to one's own post with it as a thread", async () => {
    const { page } = pages[0]!
    await page.getByRole("button", { name: "Show thread" }).first().click()
    await page.waitForFunction(() => /thread of 2 posts/.test(document.getElementById("status")!.textContent!))
    expect((await articles(page)).map((a) => a.text)).toEqual([PWN, "my reply to myself"])
    await page.getByRole("button", { name: "Back to all posts" }).click()
    await page.waitForFunction(() => /newest first/.test(document.getElementById("status")!.textContent!))
  })

  it("shows every embed kind, with images from media/ and their descriptions", async () => {
    const o = pages[0]!
    // Down the whole page a viewport at a time, one frame each for the page to lay it out: each
    // post is looked at once, when the page puts it in the feed, and each image once it has loaded or failed.
    const seen = await o.page.evaluate(async () => {
      const feed = document.getElementById("feed")!
      const found = {
        posts: 0,
        images: 0,
        loaded: [] as Array<string>,
        broken: 0,
        external: 0,
        quote: 0,
        quoteGone: 0,
        video: 0,
        labels: 0,
        replyOut: 0
      }
      const done = new Set<string>()
      const images: Array<HTMLImageElement> = []
      const look = (a: Element) => {
        const id = a.querySelector("h2")!.id
        if (done.has(id)) return
        done.add(id)
        found.posts++
        found.images += a.querySelectorAll("figure").length
        images.push(...(a.querySelectorAll("figure img") as NodeListOf<HTMLImageElement>))
        const cards = [...a.querySelectorAll("a.card")] as Array<HTMLAnchorElement>
        found.external += cards.filter((c) => !c.href.startsWith("https://bsky.app/")).length
        found.quote += cards.filter((c) => c.href.startsWith("https://bsky.app/")).length
        found.quoteGone += [...a.querySelectorAll(".card b")].filter(
          (b) => b.textContent === "Quoted post (not available)"
        ).length
        found.video += [...a.querySelectorAll(".note")].filter((n) => n.textContent!.startsWith("Video")).length
        found.labels += a.querySelectorAll(".labels li").length
        found.replyOut += [...a.querySelectorAll(".ctx")].filter((n) =>
          n.textContent!.startsWith("Replying to a post")
        ).length
      }
      const observer = new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes) if (n instanceof HTMLElement && n.tagName === "ARTICLE") look(n)
      })
      observer.observe(feed, { childList: true })
      scrollTo(0, 0)
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
      await frame()
      for (const a of feed.querySelectorAll("article")) look(a)
      while (scrollY + innerHeight < document.documentElement.scrollHeight - 1) {
        scrollTo(0, scrollY + innerHeight)
        await frame()
      }
      observer.disconnect()
      // Every image the page made has loaded or failed (a failed one the page removes, showing its description).
      await Promise.all(
        images.map((i) =>
          i.complete ? null : new Promise((r) => (i.addEventListener("load", r), i.addEventListener("error", r)))
        )
      )
      for (const i of images) {
        if (i.naturalWidth > 0) found.loaded.push(i.src)
        if (i.complete && i.naturalWidth === 0 && !i.classList.contains("off")) found.broken++
      }
      return found
    })
    // Every post was in the feed at some point of the way down.
    expect(seen.posts).toBe(125)
    expect(seen.images).toBeGreaterThan(20)
    expect(seen.loaded.length).toBeGreaterThan(10)
    expect(seen.broken).toBe(0)
    for (const kind of ["external", "quote", "quoteGone", "video", "labels", "replyOut"] as const) {
      expect(seen[kind], kind).toBeGreaterThan(0)
    }
    for (const src of seen.loaded) {
      expect(existsSync(path.join(withMedia, "media", path.basename(fileURLToPath(src))))).toBe(true)
    }
    clean(o, path.join(withMedia, "media"))
  })

  it("searches all posts and says how many match; the keyboard moves through posts", async () => {
    const { page } = pages[0]!
    const expected = texts(path.join(work, "small.db"), DID).filter((t) => t.toLowerCase().includes("caturday")).length
    expect(expected).toBeGreaterThan(0)
    await page.getByRole("searchbox", { name: "Search posts" }).fill("Caturday")
    await page.waitForFunction((n) => document.getElementById("status")!.textContent!.startsWith(`${n} post`), expected)
    const found = await articles(page)
    expect(found.length).toBe(Math.min(expected, found.length))
    for (const a of found) expect(a.text.toLowerCase()).toContain("caturday")
    await page.keyboard.press("Enter")
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-posinset"))).toBe("1")
    await page.keyboard.press("ArrowDown")
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-posinset"))).toBe(
      expected > 1 ? "2" : "1"
    )
    await page.getByRole("searchbox").fill("no such words anywhere")
    await page.waitForFunction(
      () => document.getElementById("status")!.textContent === "No posts match \u201cno such words anywhere\u201d"
    )
    await page.getByRole("searchbox").fill("")
    await page.waitForFunction(() => /newest first/.test(document.getElementById("status")!.textContent!))
  })

  it("has landmarks, headings and a label for every control", async () => {
    const { page } = pages[0]!
    for (const role of ["banner", "main", "search", "navigation", "feed"] as const) {
      expect(await page.getByRole(role).count(), role).toBe(1)
    }
    expect(await page.getByRole("heading", { level: 1 }).count()).toBe(1)
    expect(
      await page.$$eval("article", (l) => l.every((a) => a.querySelector("h2") !== null && a.tabIndex === 0))
    ).toBe(true)
    expect(await page.$$eval("img", (l) => l.every((i) => (i as HTMLImageElement).alt !== ""))).toBe(true)
  })

  it("prints the posts from where the reader is, in the page's flow", async () => {
    const { page } = pages[0]!
    await page.evaluate(() => {
      scrollTo(0, 0)
      addEventListener("beforeprint", () => {
        const list = [...document.querySelectorAll("article")]
        ;(window as unknown as { printed: unknown }).printed = [list.length, list.every((a) => a.style.top === "")]
      })
    })
    mkdirSync(RESULTS, { recursive: true })
    const pdf = await page.pdf({ path: path.join(RESULTS, "small-print.pdf") })
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-")
    expect(await page.evaluate(() => (window as unknown as { printed: unknown }).printed)).toEqual([125, true])
    expect(await page.$$eval("article", (l) => l.length)).toBeLessThan(60)
  })

  it("fits a 390 px phone without horizontal scrolling, in light and dark", async () => {
    // Loaded anew at 390 px in the file's one tab (its renderer is warm), then under each scheme.
    const o = await open(browser, path.join(withMedia, "posts.html"), 390, 844, tab)
    const frame = () => o.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)))
    for (const scheme of ["light", "dark"] as const) {
      await o.page.emulateMedia({ colorScheme: scheme })
      await o.page.evaluate(() => scrollTo(0, 0))
      await frame()
      expect(await o.page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(scheme === "dark")
      await screenshot(o.page, `small-phone-${scheme}`)
      // Down to the 100 KB post with its unbroken 4,000 characters.
      await o.page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight * 0.01 + 3000))
      await frame()
      expect(await o.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    }
    clean(o, path.join(withMedia, "media"))
  })

  it("without --media, says a post had images and shows their descriptions, with no broken image", async () => {
    // In the file's one tab, as the phone test.
    const o = await open(browser, path.join(withoutMedia, "posts.html"), 1000, 900, tab)
    // Down the posts with the keyboard to the first with images, then until any image has loaded or failed.
    const inView = () =>
      o.page.evaluate(() =>
        [...document.querySelectorAll("figure")].some(
          (f) => f.getBoundingClientRect().top > 0 && f.getBoundingClientRect().bottom < innerHeight
        )
      )
    await o.page.locator("article[aria-posinset='1']").focus()
    for (let k = 1; !(await inView()) && k < 125; k++) await o.page.keyboard.press("ArrowDown")
    await o.page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
      await frame()
      while (![...document.images].every((i) => i.complete)) await frame()
    })
    await screenshot(o.page, "small-without-media")
    const figures = await o.page.$$eval("figure", (l) =>
      l.map((f) => ({
        caption: f.querySelector("figcaption")!.textContent!,
        img: f.querySelector("img") !== null,
        visible: (f.querySelector("figcaption") as HTMLElement).getBoundingClientRect().left >= 0
      }))
    )
    expect(figures.length).toBeGreaterThan(0)
    for (const f of figures) {
      expect(f.caption).toMatch(/^Image(: .+| \(no description\))$/)
      expect(f.img).toBe(false)
      expect(f.visible).toBe(true)
    }
    expect(readdirSync(withoutMedia)).not.toContain("media")
    clean(o)
  })
})
