/**
 * The web page in Chromium, more of browser.test.ts's flows: an export with no token (the flow
 * with a token, the same bar, download and delete: browser.test.ts) and the layout at 1280 px
 * (at 390 px: browser.test.ts).
 */
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportDownloadDelete, expectFitsWithLongNames, hasChromium, useBrowser } from "./browser-page.js"
import { DID_A, seededArchive, serve } from "./support.js"

const fixture = seededArchive()
const launch = useBrowser()

describe.skipIf(!hasChromium)("the web page in Chromium", () => {
  it("starts an export, shows its bar reaching 100 %, downloads the ZIP and deletes the export", async () => {
    const out = path.join(fixture.dir, "out-open")
    const served = await serve({ db: fixture.db, out, slow: true, env: { SKYPORTER_TEST_DELAY_MS: "60" } })
    const context = await launch()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      await page.goto(served.url)
      expect(await page.title()).toBe("skyporter")
      await exportDownloadDelete(page, fixture, out, DID_A)
    } finally {
      await context.close()
      await served.stop()
    }
  })

  it("fits a 1280 px window with very long DIDs, handles and errors, and offers the accounts", async () => {
    await expectFitsWithLongNames(launch, fixture, [1280])
  })
})
