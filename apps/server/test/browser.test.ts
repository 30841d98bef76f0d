/**
 * The web page in a real browser: Debian's headless Chromium driven by
 * playwright-core. Start an export through the page, watch its bar reach
 * 100 %, download the ZIP, delete the export — with and without a token.
 *
 * Skipped (with a message) only where /usr/bin/chromium is missing; CI
 * (.ci/run) installs it, so there it always runs.
 */
import Database from "better-sqlite3"
import { Synthetic } from "@skyporter/testkit"
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import * as path from "node:path"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import { DID_A, DID_B, seededArchive, serve, tree, verifyZip, writeAuthFile } from "./support.js"

const CHROMIUM = "/usr/bin/chromium"
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium, so CI never skips the browser tests`)
}
if (!hasChromium) {
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does this)`)
}

const fixture = seededArchive()
let browser: Browser | undefined

/**
 * A fresh context (its own storage, as a new profile would have) with downloads accepted, in the
 * file's one browser, started with exactly the flags this machine's Chromium needs.
 */
const launch = async (): Promise<BrowserContext> => {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })
  return browser.newContext({ acceptDownloads: true })
}

afterAll(async () => {
  await browser?.close()
})

/** Runs the whole flow on an open page: export, 100 %, download, delete. */
const exportDownloadDelete = async (page: Page, out: string, did: string) => {
  const problems: Array<string> = []
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text())
  })
  page.on("pageerror", (e) => problems.push(e.message))

  await page.locator("#format option[value=slowjson]").waitFor({ state: "attached" })
  // Every registered format is offered, the browsable page too.
  expect(await page.locator("#format option[value=html]").textContent()).toBe("HTML (.html)")
  // Without a token the page offers the archive's accounts; a bound token fixes the DID.
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

describe.skipIf(!hasChromium)("the web page in Chromium", () => {
  it("starts an export, shows its bar reaching 100 %, downloads the ZIP and deletes the export", async () => {
    const out = path.join(fixture.dir, "out-open")
    const served = await serve({ db: fixture.db, out, slow: true, env: { SKYPORTER_TEST_DELAY_MS: "60" } })
    const context = await launch()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      await page.goto(served.url)
      expect(await page.title()).toBe("skyporter")
      await exportDownloadDelete(page, out, DID_A)
    } finally {
      await context.close()
      await served.stop()
    }
  })

  it("asks for the token once, keeps it for the tab, and works with it", async () => {
    const out = path.join(fixture.dir, "out-auth")
    const auth = writeAuthFile(fixture.dir, [{ token: "browser-token-0123456789abcdef", did: DID_B }])
    const served = await serve({
      db: fixture.db,
      out,
      slow: true,
      args: ["--auth", auth],
      env: { SKYPORTER_TEST_DELAY_MS: "60" }
    })
    const context = await launch()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      await page.goto(served.url)
      await page.locator("#token-dialog[open]").waitFor()
      await page.fill("#token", "wrong-token")
      await page.click("#token-form button[type=submit]")
      await page.locator("#token-error", { hasText: "not valid" }).waitFor()
      await page.fill("#token", "browser-token-0123456789abcdef")
      await page.click("#token-form button[type=submit]")
      await page.locator("#token-dialog[open]").waitFor({ state: "detached" })
      await page.locator(`#did[value="${DID_B}"], #did[readonly]`).first().waitFor({ state: "attached" })
      expect(await page.inputValue("#did")).toBe(DID_B)
      expect(
        await page.evaluate(() =>
          (
            globalThis as unknown as { sessionStorage: { getItem: (k: string) => string | null } }
          ).sessionStorage.getItem("skyporter.token")
        )
      ).toBe("browser-token-0123456789abcdef")
      // A reload keeps the token: no second prompt.
      await page.reload()
      await page.locator("#format option[value=slowjson]").waitFor({ state: "attached" })
      expect(await page.locator("#token-dialog[open]").count()).toBe(0)
      await exportDownloadDelete(page, out, DID_B)
    } finally {
      await context.close()
      await served.stop()
    }
  })

  it("fits a 390 px phone and a 1280 px window with very long DIDs, handles and errors, and offers the accounts", async () => {
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
    const served = await serve({ db, out })
    const shots = path.resolve("test-results", "screenshots")
    mkdirSync(shots, { recursive: true })
    const context = await launch()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const fits = () =>
        page.evaluate(() => {
          const doc = (
            globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
          ).document
          return { scroll: doc.documentElement.scrollWidth, width: doc.documentElement.clientWidth }
        })
      for (const width of [390, 1280]) {
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
        size = await fits()
        expect(size.scroll, `${width}px with an export`).toBeLessThanOrEqual(size.width)
        await page.screenshot({ path: path.join(shots, `list-${width}.png`), fullPage: true })
      }
    } finally {
      await context.close()
      await served.stop()
    }
  })

  it("uploads a repository CAR, offers the account, exports and downloads it; another site cannot upload", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(fixture.dir, "upload.car")
    writeFileSync(car, built.car)
    // A copy: the import writes into the archive.
    const db = path.join(fixture.dir, "upload.db")
    copyFileSync(fixture.db, db)
    const out = path.join(fixture.dir, "out-upload")
    const served = await serve({ db, out })
    const posts = () => {
      const sqlite = new Database(db, { readonly: true })
      try {
        return sqlite.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(Repos.DID) as number
      } finally {
        sqlite.close()
      }
    }
    // A page on another site that tries to upload into this server, as a form and as a fetch.
    const target = `${served.url}api/imports`
    const evil = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" })
      res.end(`<!doctype html><form id=f method=POST enctype=text/plain action="${target}"><input name=x value=y></form>
<script>fetch(${JSON.stringify(
        target
      )}, {method: "POST", mode: "no-cors", body: "car"}).finally(() => { document.title = "sent"; document.getElementById("f").submit() })</script>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.2", resolve))
    const context = await launch()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const problems: Array<string> = []
      page.on("pageerror", (e) => problems.push(e.message))
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text())
      })
      await page.goto(served.url)
      await page.locator("#format option[value=json]").waitFor({ state: "attached" })
      await page.setInputFiles("#car-file", car)
      await page.click("#import-button")
      await page.locator("#import-status", { hasText: "Imported" }).waitFor({ timeout: 60_000 })
      expect(await page.locator("#import-status").textContent()).toContain(
        `${built.rkeys.length} posts of ${Repos.DID}`
      )
      expect(posts()).toBe(built.rkeys.length)
      // The account is offered, and chosen.
      expect(await page.inputValue("#account")).toBe(Repos.DID)
      expect(await page.locator(`#account option[value="${Repos.DID}"]`).textContent()).toContain(
        `${built.rkeys.length} posts`
      )
      await page.selectOption("#format", "json")
      await page.click("#export-button")
      const row = page.locator("li.export").first()
      await row.locator(".badge", { hasText: "completed" }).waitFor({ timeout: 60_000 })
      const [download] = await Promise.all([page.waitForEvent("download"), row.locator("button.download").click()])
      const file = path.join(fixture.dir, "upload-browser.zip")
      await download.saveAs(file)
      const zip = verifyZip(file)
      expect(zip.manifest.did).toBe(Repos.DID)
      expect(zip.posts).toBe(built.rkeys.length)
      // A bad file: the importer's words, and nothing changes.
      writeFileSync(path.join(fixture.dir, "bad.car"), "not a repository")
      await page.setInputFiles("#car-file", path.join(fixture.dir, "bad.car"))
      await page.click("#import-button")
      await page.locator("#import-error:not([hidden])").waitFor()
      expect(await page.locator("#import-error").textContent()).toMatch(
        /^the uploaded CAR: .*the archive was not changed$/
      )
      expect(problems.filter((p) => !p.includes("422"))).toEqual([])

      // Another site, in the same browser: refused (its form and its fetch), nothing written.
      const before = tree(out)
      const other = await context.newPage()
      const address = evil.address() as { port: number }
      const refused = other.waitForResponse((r) => r.url() === target && r.request().method() === "POST")
      await other.goto(`http://127.0.0.2:${address.port}/`)
      expect((await refused).status()).toBe(403)
      expect(posts()).toBe(built.rkeys.length)
      expect(tree(out)).toEqual(before)
    } finally {
      await context.close()
      evil.close()
      await served.stop()
    }
  })
})
