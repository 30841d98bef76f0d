/**
 * The web page in a real browser, for browser.test.ts and browser.long.test.ts: Debian's
 * headless Chromium driven by playwright-core, and the flows both files run on it.
 *
 * Skipped (with a message) only where /usr/bin/chromium is missing; CI (.ci/run) installs it,
 * so there it always runs.
 */
import Database from "better-sqlite3"
import { Synthetic } from "@skyporter/testkit"
import { existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, expect } from "vitest"
// The html page's tests start the same Chromium with the flags this machine's build needs.
import { CHROMIUM, launch as launchChromium } from "../../../packages/format-html/test/support.js"
import { DID_A, request, serve, type Served, type ServeOptions, tree, verifyZip } from "./support.js"

export const hasChromium = existsSync(CHROMIUM)

interface Fixture {
  readonly dir: string
  readonly db: string
}

/**
 * The calling file's one browser, closed after its tests, and `launch`: a fresh context (its own
 * storage, as a new profile would have) with downloads accepted.
 */
export const useBrowser = (): (() => Promise<BrowserContext>) => {
  if (!hasChromium && process.env.CI) {
    throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium, so CI never skips the browser tests`)
  }
  if (!hasChromium) {
    console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does this)`)
  }
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
  })
  return async () => {
    browser ??= await launchChromium()
    return browser.newContext({ acceptDownloads: true })
  }
}

/** Starts a server and a fresh context at once; if one fails, the other is stopped. */
export const serveWithBrowser = async (
  launch: () => Promise<BrowserContext>,
  options: ServeOptions
): Promise<{ served: Served; context: BrowserContext }> => {
  const [served, context] = await Promise.allSettled([serve(options), launch()])
  if (served.status === "fulfilled" && context.status === "fulfilled") {
    return { served: served.value, context: context.value }
  }
  if (served.status === "fulfilled") await served.value.stop()
  if (context.status === "fulfilled") await context.value.close()
  throw served.status === "rejected" ? served.reason : (context as PromiseRejectedResult).reason
}

/** Runs the whole flow on an open page: export, 100 %, download, delete. */
export const exportDownloadDelete = async (page: Page, fixture: Fixture, out: string, did: string) => {
  const problems: Array<string> = []
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text())
  })
  page.on("pageerror", (e) => problems.push(e.message))

  await page.locator("#format option[value=slowjson]").waitFor({ state: "attached" })
  // Every registered format is offered, the browsable page too.
  expect(await page.locator("#format option[value=html]").textContent()).toBe("HTML (.html)")
  // Without a token the page offers the archive's accounts; a bound token fixes the DID. Either
  // comes with an answer of the server's: wait for it, or the DID field may hide as it is filled.
  await page.waitForFunction(
    () =>
      !document.getElementById("account-field")!.hidden ||
      (document.getElementById("did") as unknown as { readOnly: boolean }).readOnly
  )
  if (await page.locator("#account-field").isVisible()) await page.selectOption("#account", did)
  else if (!(await page.locator("#did").evaluate((el) => (el as unknown as { readOnly: boolean }).readOnly))) {
    await page.fill("#did", did)
  }
  await page.selectOption("#format", "slowjson")
  await page.click("#export-button")

  const row = page.locator("li.export").first()
  await row
    .locator(".badge")
    .filter({ hasText: /queued|running/ })
    .waitFor()
  // Live: the bar moves before the end, with a rate and an ETA.
  // A function, not a string: the page's CSP forbids eval.
  await page.waitForFunction(
    () => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector: (s: string) => { getAttribute: (a: string) => string | null } | null }
        }
      ).document
      const value = Number(doc.querySelector("li.export [role=progressbar]")?.getAttribute("aria-valuenow"))
      return value > 0 && value < 100
    },
    undefined,
    { timeout: 60_000 }
  )
  expect(await row.locator(".progress-text").textContent()).toMatch(/posts\/s · ETA/)
  await row.locator("[role=progressbar][aria-valuenow='100']").waitFor({ timeout: 60_000 })
  await row.locator(".badge", { hasText: "completed" }).waitFor()
  expect(await row.locator(".export-meta").textContent()).toMatch(/\d[\d,.]* posts · [\d.]+ (KB|MB)/)

  const [download] = await Promise.all([page.waitForEvent("download"), row.locator("button.download").click()])
  expect(download.suggestedFilename()).toMatch(/^skyporter-did_plc_.*\.zip$/)
  const file = path.join(fixture.dir, `${did.slice(-4)}-browser.zip`)
  await download.saveAs(file)
  const zip = verifyZip(file)
  expect(zip.names.sort()).toEqual(["manifest.json", "posts.json"])
  expect(zip.manifest.did).toBe(did)

  await row.locator("button.delete").click()
  await page.locator("#confirm-dialog[open]").waitFor()
  await page.click("#confirm-delete")
  await page.locator("li.export").first().waitFor({ state: "detached" })
  await page.locator("#empty").waitFor({ state: "visible" })
  expect(tree(path.join(out, did))).toEqual([])
  expect(problems).toEqual([])
}

/**
 * At each width: the page fits with very long DIDs, handles and errors, and offers the accounts.
 * Screenshots go to test-results/screenshots.
 */
export const expectFitsWithLongNames = async (
  launch: () => Promise<BrowserContext>,
  fixture: Fixture,
  widths: ReadonlyArray<number>
) => {
  // An archive whose accounts have the longest DID a folder name allows and a very long handle.
  const longDid = `did:web:${"very-long-account-name-".repeat(10)}${"x".repeat(247 - 8 - 230)}`.slice(0, 255)
  const db = path.join(fixture.dir, "long.db")
  Synthetic.seedArchive(db, { posts: 120, did: longDid, seed: 7, otherDids: 0 })
  Synthetic.seedArchive(db, { posts: 30, did: DID_A, seed: 8, otherDids: 0 })
  const handle = `${"averyveryverylonghandlewithoutanybreaks".repeat(4)}.bsky.social`
  const sqlite = new Database(db)
  sqlite.exec("CREATE TABLE IF NOT EXISTS profiles (did TEXT PRIMARY KEY, handle TEXT)")
  sqlite.prepare("INSERT OR REPLACE INTO profiles (did, handle) VALUES (?, ?)").run(longDid, handle)
  sqlite.close()
  const out = path.join(fixture.dir, "out-layout")
  const { served, context } = await serveWithBrowser(launch, { db, out })
  const shots = path.resolve("test-results", "screenshots")
  mkdirSync(shots, { recursive: true })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    const fits = () =>
      page.evaluate(() => {
        const doc = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document
        return { scroll: doc.documentElement.scrollWidth, width: doc.documentElement.clientWidth }
      })
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 })
      await page.goto(served.url)
      await page.locator("#account-field").waitFor({ state: "visible" })
      const options = await page.locator("#account option").allTextContents()
      expect(options[0]).toContain(`@${handle}`)
      expect(options[0]).toContain("120 posts")
      expect(options.some((o) => o.startsWith(DID_A) && o.includes("30 posts"))).toBe(true)
      expect(await page.inputValue("#did")).toBe(longDid)
      // A long error without spaces wraps.
      await page.selectOption("#account", "__other__")
      await page.fill("#did", `did:plc:${"q".repeat(400)}/`)
      await page.click("#export-button")
      await page.locator("#form-error:not([hidden])").waitFor()
      let size = await fits()
      expect(size.scroll, `${width}px with an error`).toBeLessThanOrEqual(size.width)
      await page.screenshot({ path: path.join(shots, `error-${width}.png`), fullPage: true })
      // An export of the long DID in the list.
      await page.selectOption("#account", longDid)
      await page.selectOption("#format", "json")
      await page.click("#export-button")
      await page.locator("li.export .badge", { hasText: "completed" }).first().waitFor({ timeout: 60_000 })
      // Its id, longer than the router's default cap on a parameter, reaches its routes.
      const listed = await request<{ exports: Array<{ id: string }> }>(served.url, "GET", "/api/exports?limit=1")
      const link = await request(served.url, "POST", `/api/exports/${listed.body.exports[0]!.id}/download-link`)
      expect(link.status, link.text).toBe(201)
      size = await fits()
      expect(size.scroll, `${width}px with an export`).toBeLessThanOrEqual(size.width)
      await page.screenshot({ path: path.join(shots, `list-${width}.png`), fullPage: true })
    }
  } finally {
    await context.close()
    await served.stop()
  }
}
