/**
 * Helpers for the browser tests: the real CLI as a subprocess, archives with
 * hostile posts, and a page opened from file:// in headless Chromium with
 * every request, console error and dialog recorded.
 */
import Database from "better-sqlite3"
import { execFile } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { expect } from "vitest"

export const CHROMIUM = "/usr/bin/chromium"
export const RESULTS = fileURLToPath(new URL("../test-results/", import.meta.url))
const CLI = fileURLToPath(new URL("../../../apps/cli/bin/skyporter.js", import.meta.url))

/** Runs `skyporter ARGS` and gives its stdout; fails with its stderr. */
export const skyporter = (args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (npm run build)`)
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI, ...args], { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`skyporter ${args.join(" ")} failed: ${stderr}`)) : resolve(stdout)
    )
  )
}

/** Exports `did` from `db` as html into `out` and returns the published folder. */
export const exportHtml = async (
  cwd: string,
  db: string,
  did: string,
  out: string,
  extra: ReadonlyArray<string> = []
) => (await skyporter(["export", "--db", db, "--did", did, "--format", "html", "--out", out, ...extra], cwd)).trim()

const COLUMNS = [
  "uri",
  "cid",
  "did",
  "text",
  "created_at",
  "indexed_at",
  "has_media",
  "like_count",
  "repost_count",
  "reply_count",
  "quote_count",
  "is_reply",
  "reply_parent",
  "embed_type",
  "embed_data",
  "labels"
] as const

export type Row = Partial<Record<(typeof COLUMNS)[number], string | number | null>>

/** Adds posts to an archive; missing columns get plain values. */
export const addPosts = (db: string, did: string, rows: ReadonlyArray<Row>): void => {
  const sqlite = new Database(db)
  try {
    const insert = sqlite.prepare(
      `INSERT INTO posts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`
    )
    for (const r of rows) {
      insert.run({
        cid: "bafyreihostile",
        did,
        text: "",
        indexed_at: r.created_at,
        has_media: 0,
        like_count: 0,
        repost_count: 0,
        reply_count: 0,
        quote_count: 0,
        is_reply: 0,
        reply_parent: null,
        embed_type: null,
        embed_data: null,
        labels: null,
        ...r
      })
    }
  } finally {
    sqlite.close()
  }
}

/** The texts of `did`'s posts. */
export const texts = (db: string, did: string): Array<string> => {
  const sqlite = new Database(db, { readonly: true })
  try {
    return (
      sqlite.prepare("SELECT text FROM posts WHERE did = ?").raw().all(did) as Array<[string | Buffer | null]>
    ).map(([t]) => (t === null ? "" : String(t)))
  } finally {
    sqlite.close()
  }
}

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })

export interface Opened {
  readonly page: Page
  /** Every URL the page requested. */
  readonly requests: Array<string>
  /** URLs whose request failed. */
  readonly failed: Array<string>
  /** Console errors and uncaught exceptions. */
  readonly errors: Array<string>
  /** Dialogs (alert, confirm, prompt) the page opened. */
  readonly dialogs: Array<string>
  /** Milliseconds from navigation until every post was loaded (an upper bound: when the test saw it). */
  readonly loaded: number
  /** Milliseconds from navigation until the first post was in the page, as the page's clock says. */
  readonly firstPost: () => Promise<number>
}

/** A tab in a fresh context (en-US, New York time): made while an export runs, it is ready when the page is. */
export const newTab = async (browser: Browser, width = 1000, height = 900): Promise<Page> =>
  (await browser.newContext({ viewport: { width, height }, locale: "en-US", timezoneId: "America/New_York" })).newPage()

/**
 * Opens a page from file:// in `tab` (from `newTab`, or a page `open` gave, whose renderer it
 * keeps) or else a new tab, and waits until its posts are loaded.
 */
export const open = async (
  browser: Browser,
  file: string,
  width: number,
  height = 900,
  tab?: Page
): Promise<Opened> => {
  const page = tab ?? (await newTab(browser, width, height))
  if (tab !== undefined) {
    // A reused tab starts as a fresh one would: its size, and no colour scheme a test emulated.
    await page.setViewportSize({ width, height })
    await page.emulateMedia({ colorScheme: null })
  }
  const requests: Array<string> = []
  const failed: Array<string> = []
  const errors: Array<string> = []
  const dialogs: Array<string> = []
  page.on("request", (r) => requests.push(r.url()))
  page.on("requestfailed", (r) => failed.push(r.url()))
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text())
  })
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`))
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  // Not part of the page: the test's own probe, run before the page's script.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector("article") !== null) {
        ;(window as unknown as { firstPostAt: number }).firstPostAt = performance.now()
        observer.disconnect()
      }
    }).observe(document, { childList: true, subtree: true })
  })
  await page.goto(pathToFileURL(file).href)
  await page.waitForFunction(() => /newest first/.test(document.getElementById("status")?.textContent ?? ""), null, {
    timeout: 120_000
  })
  const loadedAt = await page.evaluate(() => performance.now())
  return {
    loaded: loadedAt,
    page,
    requests,
    failed,
    errors,
    dialogs,
    firstPost: () => page.evaluate(() => (window as unknown as { firstPostAt: number }).firstPostAt)
  }
}

export const screenshot = async (page: Page, name: string, fullPage = false): Promise<void> => {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage })
}

/** What a reader sees of the articles in the DOM now. */
export const articles = (page: Page) =>
  page.$$eval("article", (list) =>
    list
      .map((a) => ({
        pos: Number(a.getAttribute("aria-posinset")),
        top: a.getBoundingClientRect().top,
        time: a.querySelector("time")?.textContent ?? "",
        text: a.querySelector(".text")?.textContent ?? "",
        hrefs: [...a.querySelectorAll("a")].map((l) => l.getAttribute("href")),
        labels: [...a.querySelectorAll(".labels li")].map((l) => l.textContent),
        html: a.outerHTML
      }))
      .sort((x, y) => x.pos - y.pos)
  )

/** Checks that hold for every page: offline, quiet, nothing executed. */
export const clean = (o: Opened, mediaDir?: string) => {
  expect(o.requests.filter((u) => !u.startsWith("file://"))).toEqual([])
  expect(o.dialogs).toEqual([])
  // The only failures allowed: images the export does not hold (the page then shows their description).
  const missing = (u: string) =>
    /\/media\/[0-9a-f]{64}\.(jpg|png)$/.test(u) &&
    (mediaDir === undefined || !existsSync(path.join(mediaDir, path.basename(u))))
  expect(o.failed.filter((u) => !missing(u))).toEqual([])
  expect(o.errors.filter((e) => !/^Failed to load resource: net::ERR_FILE_NOT_FOUND$/.test(e))).toEqual([])
}
