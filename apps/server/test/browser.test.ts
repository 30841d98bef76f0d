/**
 * The web page in a real browser: Debian's headless Chromium driven by
 * playwright-core (browser-page.ts). Sign in with a token, start an export
 * through the page, watch its bar reach 100 %, download the ZIP, delete the
 * export; the layout on a phone; an upload; a page elsewhere trying to hold
 * the user's event streams. The same flow with no token and
 * the layout at 1280 px: browser.long.test.ts.
 *
 * Skipped (with a message) only where /usr/bin/chromium is missing; CI
 * (.ci/run) installs it, so there it always runs.
 */
import Database from "better-sqlite3"
import { copyFileSync, writeFileSync } from "node:fs"
import { type ClientRequest, createServer, get } from "node:http"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  exportDownloadDelete,
  expectFitsWithLongNames,
  hasChromium,
  serveWithBrowser,
  useBrowser
} from "./browser-page.js"
import {
  DID_B,
  POSTS,
  request,
  seededArchive,
  STALL_PLUGIN,
  startExport,
  tree,
  verifyZip,
  writeAuthFile
} from "./support.js"

const fixture = seededArchive()
const launch = useBrowser()

describe.skipIf(!hasChromium)("the web page in Chromium", () => {
  it("asks for the token once, keeps it for the tab, and works with it", async () => {
    const out = path.join(fixture.dir, "out-auth")
    const auth = writeAuthFile(fixture.dir, [{ token: "browser-token-0123456789abcdef", did: DID_B }])
    const { served, context } = await serveWithBrowser(launch, {
      db: fixture.db,
      out,
      slow: true,
      args: ["--auth", auth],
      env: { SKYPORTER_TEST_DELAY_MS: "60" }
    })
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
      await exportDownloadDelete(page, fixture, out, DID_B)
    } finally {
      await context.close()
      await served.stop()
    }
  })

  it("fits a 390 px phone with very long DIDs, handles and errors, and offers the accounts (1280 px: browser.long.test.ts)", async () => {
    await expectFitsWithLongNames(launch, fixture, [390])
  })

  it("uploads a repository CAR, offers the account, exports and downloads it; another site cannot upload", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(fixture.dir, "upload.car")
    writeFileSync(car, built.car)
    // A copy: the import writes into the archive.
    const db = path.join(fixture.dir, "upload.db")
    copyFileSync(fixture.db, db)
    const out = path.join(fixture.dir, "out-upload")
    const { served, context } = await serveWithBrowser(launch, { db, out })
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

  it("a page on another site cannot hold the user's event streams with EventSource", async () => {
    // One batch, a minute before it: the stalljson export runs until it is deleted here.
    const { served, context } = await serveWithBrowser(launch, {
      db: fixture.db,
      out: path.join(fixture.dir, "out-streams"),
      batchSize: POSTS,
      args: ["--plugin", STALL_PLUGIN]
    })
    const job = await startExport(served.url, { did: DID_B, format: "stalljson" })
    const target = `${served.url}api/exports/${job.id}/events`
    // Six watchers, as many as Chromium keeps open to one host: six of the user's 32 places.
    const evil = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" })
      res.end(`<!doctype html><script>for (let i = 0; i < 6; i++) new EventSource(${JSON.stringify(target)})</script>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.2", resolve))
    const held: Array<ClientRequest> = []
    try {
      // CORS fails either way (the page never reads a byte); what matters is what the server holds.
      let failed = 0
      context.on("requestfailed", (r) => {
        if (r.url() === target) failed++
      })
      const page = await context.newPage()
      await page.goto(`http://127.0.0.2:${(evil.address() as { port: number }).port}/`)
      await expect.poll(() => failed, { timeout: 30_000 }).toBe(6)
      // The user (the same address) still has all 32 places.
      const open = () =>
        new Promise<number>((resolve, reject) => {
          const req = get(target, { agent: false }, (res) => {
            if (res.statusCode === 200) held.push(req)
            else res.resume()
            resolve(res.statusCode!)
          })
          req.on("error", reject)
        })
      const opened: Array<number> = []
      for (let i = 0; i < 32; i++) opened.push(await open())
      expect(opened).toEqual(Array.from({ length: 32 }, () => 200))
    } finally {
      for (const req of held) req.destroy()
      await request(served.url, "DELETE", `/api/exports/${job.id}`)
      await context.close()
      evil.close()
      await served.stop()
    }
  })
})
