/**
 * A 100,000-post export with media in headless Chromium, from file://: the
 * newest posts appear while the page is still loading, search covers every
 * post, images come from media/, and nothing reaches the network. How long
 * things took is written to test-results/large.json (a record, not a
 * verdict: speed is for benchmarks, and this machine is shared).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { articles, CHROMIUM, exportHtml, launch, open, RESULTS, screenshot, skyporter, texts } from "./support.js"

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium`)

const DID = "did:plc:htmllarge22222222222222"
const POSTS = 100_000

let browser: Browser
let work: string
let published: string

beforeAll(async () => {
  if (!hasChromium) return
  work = mkdtempSync(path.join(tmpdir(), "skyporter-html-large-"))
  const db = path.join(work, "large.db")
  const media = path.join(work, "media-root")
  await skyporter(["seed", "--db", db, "--posts", String(POSTS), "--did", DID, "--media-root", media], work)
  published = await exportHtml(work, db, DID, path.join(work, "out"), ["--media", "--media-root", media])
  browser = await launch()
}, 600_000)

afterAll(async () => {
  await browser?.close()
  if (work) rmSync(work, { recursive: true, force: true })
}, 300_000)

describe.skipIf(!hasChromium)("a 100,000-post export with media", () => {
  it("shows the newest posts, searches every post, jumps to a month, loads images from media/, offline", async () => {
    const o = await open(browser, path.join(published, "posts.html"), 390, 844)
    const { page } = o
    const figures: Record<string, number> = {
      firstPostMs: Math.round(await o.firstPost()),
      allLoadedMs: Math.round(o.loaded)
    }
    expect(await page.textContent("#status")).toBe("100,000 posts, newest first")
    expect((await articles(page))[0]!.pos).toBe(1)
    await screenshot(page, "large-phone")
    // Only what is near the viewport is in the page.
    expect(await page.$$eval("article", (l) => l.length)).toBeLessThan(60)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)

    const word = "caturday"
    const expected = texts(path.join(work, "large.db"), DID).filter((t) => t.toLowerCase().includes(word)).length
    expect(expected).toBeGreaterThan(100)
    const started = Date.now()
    await page.getByRole("searchbox", { name: "Search posts" }).fill(word)
    await page.waitForFunction(
      (n) => document.getElementById("status")!.textContent === `${n} posts match \u201ccaturday\u201d`,
      expected.toLocaleString("en-US")
    )
    figures.searchMs = Date.now() - started
    for (const a of await articles(page)) expect(a.text.toLowerCase()).toContain(word)
    await screenshot(page, "large-search")
    await page.getByRole("searchbox").fill("")
    await page.waitForFunction(() => /newest first/.test(document.getElementById("status")!.textContent!))

    // The oldest month: the synthetic posts start in January 2023 (UTC), December 2022 in New York.
    const months = await page.$$eval("#month option", (l) => l.map((option) => option.textContent!))
    const last = months.at(-1)!
    expect(last).toMatch(/^(December 2022|January 2023) \([\d,]+\)$/)
    await page.selectOption("#month", { label: last })
    await page.waitForFunction(() => document.activeElement?.tagName === "ARTICLE")
    const time = await page.evaluate(() => document.activeElement!.querySelector("time")!.dateTime)
    expect(
      new Date(time).toLocaleString("en-US", { timeZone: "America/New_York", month: "long", year: "numeric" })
    ).toBe(last.replace(/ \(.*/, ""))

    // The feed is taller than a browser lets an element be: the last post is still reachable.
    await page.keyboard.press("End")
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-posinset") === "100000")
    const { bottom, top } = await page.evaluate(() => document.activeElement!.getBoundingClientRect())
    expect(top).toBeGreaterThanOrEqual(0)
    expect(bottom).toBeLessThanOrEqual(845)

    // Scroll back to the top and down until images have loaded.
    const loaded = await page.evaluate(async () => {
      scrollTo(0, 0)
      for (let y = 0; y < 30_000; y += innerHeight / 2) {
        scrollTo(0, y)
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 40)))
        const done = [...document.querySelectorAll("figure img")].filter(
          (i) => (i as HTMLImageElement).naturalWidth > 0
        )
        if (done.length >= 3) return done.map((i) => (i as HTMLImageElement).src)
      }
      return []
    })
    expect(loaded.length).toBeGreaterThanOrEqual(3)
    for (const src of loaded) {
      expect(existsSync(path.join(published, "media", path.basename(fileURLToPath(src))))).toBe(true)
    }
    await screenshot(page, "large-images")

    expect(o.requests.filter((u) => !u.startsWith("file://"))).toEqual([])
    expect(o.dialogs).toEqual([])
    expect(o.failed.filter((u) => existsSync(fileURLToPath(u)))).toEqual([])
    expect(o.errors.filter((e) => e !== "Failed to load resource: net::ERR_FILE_NOT_FOUND")).toEqual([])
    mkdirSync(RESULTS, { recursive: true })
    writeFileSync(path.join(RESULTS, "large.json"), JSON.stringify(figures, null, 2) + "\n")
  }, 300_000)
})
