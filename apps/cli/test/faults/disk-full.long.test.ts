/**
 * A full disk, for real: the output folder is a small tmpfs mounted in a
 * private mount namespace (`unshare -m`, which needs root or a capable
 * container; elsewhere these tests are skipped and say why). The export
 * fails with ENOSPC — while writing posts, or, on a disk sized to hold the
 * posts file exactly, while writing the manifest (or, with --zip, the
 * archive) — and exits 1 saying the disk is full, with nothing published and
 * no temporary directory left. Copying media files fails the same way, naming
 * the file as the archive stores it.
 * (The file-size limit, EFBIG, is in ../limits.test.ts.)
 */
import { Synthetic } from "@skyporter/testkit"
import { existsSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { exportOk, readExport, sharedArchive, show } from "../support.js"
import { canMount, startInNamespace } from "./helpers.js"

const DID = "did:plc:diskisfull"
const POSTS = 20_000

const fx = sharedArchive(DID, POSTS)

/**
 * Mounts a tmpfs of `size` bytes on the output folder, runs the export of
 * `db` (default: the shared archive) into it, and lists what the export left
 * there (the tmpfs vanishes with the namespace).
 */
const SCRIPT = `
out="$1"; listing="$2"; size="$3"; shift 3
mkdir -p "$out"
mount -t tmpfs -o size="$size" tmpfs "$out" || exit 99
"$NODE" "$SKYPORTER" "$@" --out "$out"
rc=$?
find "$out" -mindepth 1 -printf '%P\\n' | sort > "$listing"
exit $rc
`

const exportOnTmpfs = async (name: string, size: number, extra: ReadonlyArray<string> = [], db = fx.db) => {
  const out = path.join(fx.dir, `out-${name}`)
  const listing = path.join(fx.dir, `listing-${name}`)
  const r = await startInNamespace(
    SCRIPT,
    [out, listing, String(size), "export", "--db", db, "--did", DID, "--batch-size", "500", ...extra],
    {
      cwd: fx.dir
    }
  ).done
  expect(r.code, show(r)).not.toBe(99)
  return {
    r,
    left: readFileSync(listing, "utf8")
      .split("\n")
      .filter((l) => l !== "")
  }
}

describe.skipIf(!canMount())("a full disk (tmpfs in a private mount namespace)", () => {
  it("full while writing the posts: exit 1, ENOSPC named with its batch, nothing published, no temporary directory", async () => {
    const { left, r } = await exportOnTmpfs("posts", 1024 * 1024)
    expect(r.signal, show(r)).toBeNull()
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/cannot write posts\.json \(batch \d+\): the output disk is full \(ENOSPC\)/)
    expect(r.stderr).not.toMatch(/unexpected error/)
    expect(r.stdout).toBe("")
    // Nothing is left: not even the DID's folder, which this run made.
    expect(left, show(r)).toEqual([])
  }, 180_000)

  it("room for the posts but not the manifest: exit 1 at publish, nothing published, no temporary directory", async () => {
    const reference = readExport(
      await exportOk(["--db", fx.db, "--did", DID, "--out", path.join(fx.dir, "reference"), "--quiet"], {
        cwd: fx.dir
      }),
      "json"
    )
    // tmpfs counts whole pages of file data; folders take none.
    const size = Math.ceil(reference.manifest.files[0]!.bytes / 4096) * 4096
    // Several threads: chunks finished early wait in memory, so the disk needs room for posts.json only.
    const { left, r } = await exportOnTmpfs("manifest", size, ["--threads", "2"])
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/cannot write the manifest: the output disk is full \(ENOSPC\)/)
    expect(r.stdout).toBe("")
    expect(left, show(r)).toEqual([])
  }, 180_000)

  it("room for the posts but not the media files: exit 1 naming the file as stored, no folder of the export", async () => {
    const db = path.join(fx.dir, "with-media.db")
    const mediaRoot = path.join(fx.dir, "with-media")
    Synthetic.seedArchive(db, { posts: 2000, did: DID, seed: 7, otherDids: 0, mediaRoot })
    const reference = readExport(
      await exportOk(["--db", db, "--did", DID, "--out", path.join(fx.dir, "reference-media"), "--quiet"], {
        cwd: fx.dir
      }),
      "json"
    )
    // posts.json and a few pages fit; the media files (a thousand or so, several MB) do not.
    const size = Math.ceil(reference.manifest.files[0]!.bytes / 4096) * 4096 + 16 * 4096
    const { left, r } = await exportOnTmpfs("media", size, ["--media", "--media-root", mediaRoot], db)
    expect(r.code, show(r)).toBe(1)
    const named = /cannot copy "([^"]+)" into the export: the output disk is full \(ENOSPC\)\n/.exec(r.stderr)
    expect(named, show(r)).not.toBeNull()
    // The path as the archive stores it (relative to the media root), and no path of the export's.
    expect(path.isAbsolute(named![1]!)).toBe(false)
    expect(existsSync(path.join(mediaRoot, named![1]!))).toBe(true)
    expect(r.stderr).not.toContain(path.join(fx.dir, "out-media"))
    expect(r.stderr).not.toContain(".skyporter-tmp-")
    expect(r.stdout).toBe("")
    expect(left, show(r)).toEqual([])
  }, 180_000)

  it("seed with a media root on a full disk: exit 1 naming ENOSPC, not a usage error", async () => {
    const media = path.join(fx.dir, "media-full")
    const db = path.join(fx.dir, "seeded-media-full.db")
    const script = `media="$1"; shift; mkdir -p "$media"; mount -t tmpfs -o size=64k tmpfs "$media" || exit 99; "$NODE" "$SKYPORTER" "$@"`
    const r = await startInNamespace(script, [media, "seed", "--db", db, "--posts", "2000", "--media-root", media], {
      cwd: fx.dir
    }).done
    expect(r.code, show(r)).not.toBe(99)
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/cannot seed .*ENOSPC/)
    expect(r.stderr).not.toMatch(/--help/)
  }, 180_000)

  it("--zip, room for the posts but not the archive: exit 1 at publish, nothing published, nothing left", async () => {
    const reference = readExport(
      await exportOk(["--db", fx.db, "--did", DID, "--out", path.join(fx.dir, "reference-zip"), "--quiet"], {
        cwd: fx.dir
      }),
      "json"
    )
    // posts.json fits (whole pages); the archive's deflated copy of it (a fifth or more) does not.
    const size = Math.ceil(reference.manifest.files[0]!.bytes / 4096) * 4096 + 4 * 4096
    const { left, r } = await exportOnTmpfs("zip", size, ["--threads", "2", "--zip"])
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/cannot write the ZIP file: the output disk is full \(ENOSPC\)/)
    expect(r.stderr).not.toMatch(/unexpected error/)
    expect(r.stdout).toBe("")
    expect(left, show(r)).toEqual([])
  }, 180_000)
})
