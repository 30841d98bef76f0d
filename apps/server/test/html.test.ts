/**
 * The browsable html format through the HTTP app: a real `skyporter serve`
 * with a media root lists it, exports with media, and the downloaded ZIP
 * holds a posts.html with every post of the account and the images it
 * points at. Python's zipfile reads the ZIP, `unzip -t` checks it.
 */
import { Synthetic } from "@skyporter/testkit"
import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finished, request, serve, type Served, startExport, tempDir } from "./support.js"

const DID = "did:plc:serverhtmlaaaaaaaaaaaaaa"
let dir: string
let db: string
let server: Served

beforeAll(async () => {
  dir = tempDir()
  db = path.join(dir, "archive.db")
  const mediaRoot = path.join(dir, "media-root")
  Synthetic.seedArchive(db, { posts: 300, did: DID, seed: 3, otherDids: 1, mediaRoot })
  server = await serve({ db, out: path.join(dir, "out"), args: ["--media-root", mediaRoot] })
})
afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

interface Unzipped {
  readonly names: Array<string>
  readonly uris: Array<string>
  readonly texts: Array<string>
  /** Every image path the page's posts point at. */
  readonly images: Array<string>
}

/** posts.html inside the ZIP, as Python's zipfile reads it: its names and the posts in its data blocks. */
const readZip = (file: string): Unzipped => {
  const unzip = spawnSync("unzip", ["-t", file], { encoding: "utf8" })
  if (unzip.error !== undefined) throw new Error(`unzip is not installed (.ci/run installs it): ${unzip.error.message}`)
  if (unzip.status !== 0) throw new Error(`unzip -t failed:\n${unzip.stdout}${unzip.stderr}`)
  const py = spawnSync(
    "python3",
    [
      "-c",
      `
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
page = z.read("posts.html").decode("utf-8")
blocks = re.findall(r'<script type="application/json" class="posts">(.*?)</script>', page, re.S)
posts = [p for b in blocks for p in json.loads(b)]
text = lambda t: t if isinstance(t, str) else "".join(s if isinstance(s, str) else s[1] for s in t)
images = [i[0] for p in posts if p[9] and "i" in p[9] for i in p[9]["i"] if i[0]]
uris = [p[0] for p in posts]
print(json.dumps({"names": z.namelist(), "uris": uris, "texts": [text(p[1]) for p in posts], "images": images}))
`,
      file
    ],
    { encoding: "utf8", maxBuffer: 64 << 20 }
  )
  if (py.status !== 0) throw new Error(`python zipfile failed:\n${py.stderr}`)
  return JSON.parse(py.stdout)
}

describe("the html format in the HTTP app", () => {
  it("is listed, exports with media, and its ZIP holds posts.html with every post and its images", async () => {
    const formats = await request(server.url, "GET", "/api/formats")
    expect(formats.status).toBe(200)
    expect(formats.body.formats.map((f: any) => f.name)).toContain("html")

    const item = await startExport(server.url, { did: DID, format: "html", include_media: true })
    expect(await finished(server.url, item.id)).toBe("completed")
    const done = (await request(server.url, "GET", `/api/exports/${item.id}`)).body
    expect(done.format).toBe("html")
    expect(done.post_count).toBe(300)
    expect(done.media_count).toBeGreaterThan(0)

    const res = await fetch(new URL(`/api/exports/${item.id}/download`, server.url))
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/zip")
    const file = path.join(dir, "html.zip")
    writeFileSync(file, Buffer.from(await res.arrayBuffer()))
    const zip = readZip(file)

    // The folder's own entry aside, media/ holds the files.
    const media = zip.names.filter((n) => n.startsWith("media/") && n !== "media/")
    expect(zip.names.filter((n) => !n.startsWith("media/")).sort()).toEqual(["manifest.json", "posts.html"])
    expect(media.length).toBe(done.media_count)
    // Every post of the account and no other, in the core's export order (newest first), with its text.
    const sqlite = new Database(db, { readonly: true })
    const rows = sqlite
      .prepare("SELECT uri, text FROM posts WHERE did = ? ORDER BY created_at DESC, uri ASC, rowid ASC")
      .all(DID) as Array<{ uri: string; text: string }>
    sqlite.close()
    expect(zip.uris.length).toBe(300)
    expect(zip.uris).toEqual(rows.map((r) => r.uri))
    expect(zip.texts).toEqual(rows.map((r) => r.text))
    // The page's images point into the ZIP's media/, and every one the export holds is there.
    expect(zip.images.length).toBeGreaterThan(0)
    for (const image of zip.images) expect(image).toMatch(/^media\/[0-9a-f]{64}\.(jpg|png)$/)
    expect(zip.images.filter((i) => media.includes(i)).length).toBeGreaterThan(0)
    for (const m of media) expect(zip.images).toContain(m)
  })
})
