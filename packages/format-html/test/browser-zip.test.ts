/**
 * posts.html from a ZIP: the real CLI publishes `--format html --media --zip`,
 * Info-ZIP's `unzip` unpacks it as a person would, and headless Chromium opens
 * the unpacked page from file://: the newest posts, images from media/, no
 * network, no console errors beyond media the archive lacks.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
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
  screenshot,
  skyporter
} from "./support.js"

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium`)

const DID = "did:plc:htmlzip22222222222222222"
const NEWEST = [
  { uri: `at://${DID}/app.bsky.feed.post/z2`, created_at: "2030-02-02T12:00:00.000Z", text: "newest, from the zip" },
  { uri: `at://${DID}/app.bsky.feed.post/z1`, created_at: "2030-02-01T12:00:00.000Z", text: "second newest" }
]

let browser: Browser
let tab: Page
let work: string
let zip: string
let unpacked: string

beforeAll(async () => {
  if (!hasChromium) return
  work = mkdtempSync(path.join(tmpdir(), "skyporter-html-zip-"))
  const db = path.join(work, "small.db")
  const media = path.join(work, "media-root")
  // Chromium starts, and its tab opens, while the CLI seeds and exports.
  const started = launch().then((b) => newTab((browser = b)))
  started.catch(() => {}) // awaited below
  await skyporter(["seed", "--db", db, "--posts", "120", "--did", DID, "--media-root", media], work)
  addPosts(db, DID, NEWEST)
  zip = await exportHtml(work, db, DID, path.join(work, "out"), ["--media", "--media-root", media, "--zip"])
  unpacked = path.join(work, "unpacked")
  const unzip = spawnSync("unzip", ["-q", zip, "-d", unpacked], { encoding: "utf8" })
  if (unzip.error !== undefined) throw new Error(`unzip is not installed (.ci/run installs it): ${unzip.error.message}`)
  if (unzip.status !== 0) throw new Error(`unzip failed:\n${unzip.stdout}${unzip.stderr}`)
  tab = await started
}, 300_000)

afterAll(async () => {
  await browser?.close()
  if (work) rmSync(work, { recursive: true, force: true })
}, 300_000)

describe.skipIf(!hasChromium)("an html export published as a ZIP", () => {
  it("is one .zip file that unpacks to posts.html, manifest.json and media/", () => {
    expect(zip).toMatch(/\.zip$/)
    expect(readdirSync(path.dirname(zip))).toEqual([path.basename(zip)])
    expect(readdirSync(unpacked).sort()).toEqual(["manifest.json", "media", "posts.html"])
    expect(readdirSync(path.join(unpacked, "media")).length).toBeGreaterThan(0)
  })

  it("opens unpacked from file://: newest posts first, images from media/, nothing from the network", async () => {
    const o = await open(browser, path.join(unpacked, "posts.html"), 1000, 900, tab)
    const { page } = o
    await screenshot(page, "zip-unpacked")
    expect((await articles(page)).slice(0, 2).map((a) => a.text)).toEqual(NEWEST.map((p) => p.text))
    // Down the whole page a viewport a frame: every image the page makes either loads or shows its description.
    const seen = await page.evaluate(async () => {
      const images = new Set<HTMLImageElement>()
      const collect = () => document.querySelectorAll("figure img").forEach((i) => images.add(i as HTMLImageElement))
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
      const observer = new MutationObserver(collect)
      observer.observe(document.getElementById("feed")!, { childList: true })
      collect()
      while (scrollY + innerHeight < document.documentElement.scrollHeight - 1) {
        scrollTo(0, scrollY + innerHeight)
        await frame()
      }
      observer.disconnect()
      await Promise.all(
        [...images].map((i) =>
          i.complete ? null : new Promise((r) => (i.addEventListener("load", r), i.addEventListener("error", r)))
        )
      )
      const all = [...images]
      return {
        loaded: all.filter((i) => i.naturalWidth > 0).map((i) => i.src),
        broken: all.filter((i) => i.complete && i.naturalWidth === 0 && !i.classList.contains("off")).length
      }
    })
    expect(seen.loaded.length).toBeGreaterThan(0)
    expect(seen.broken).toBe(0)
    for (const src of seen.loaded) {
      const file = fileURLToPath(src)
      expect(path.dirname(file)).toBe(path.join(unpacked, "media"))
      expect(existsSync(file)).toBe(true)
    }
    clean(o, path.join(unpacked, "media"))
    await page.context().close()
  })
})
