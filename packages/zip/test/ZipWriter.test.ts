import { Cause, Effect, Exit, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { pipeline } from "node:stream/promises"
import { describe, expect, it } from "vitest"
import { ZipError, ZipWriter } from "../dist/index.js"
import { pythonRead, sha256, tempDir, unzipTest } from "./helpers.js"

const write = (entries: Iterable<ZipWriter.Entry> | Stream.Stream<ZipWriter.Entry, ZipError>, file: string) =>
  Effect.runPromise(ZipWriter.writeFile(ZipWriter.stream(entries), file))

const failure = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromise(Effect.exit(effect))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.squash(exit.cause) as E
}

/** The ZIP64 extended-information extra field (id 0x0001) in the extra bytes of a header. */
const hasZip64Extra = (extra: Buffer): boolean => {
  for (let at = 0; at + 4 <= extra.length; at += 4 + extra.readUInt16LE(at + 2)) {
    if (extra.readUInt16LE(at) === 0x0001) return true
  }
  return false
}

describe("ZipWriter.stream", () => {
  it("writes every entry with the right CRC, deflating text and storing media", async () => {
    const dir = tempDir()
    const text = Buffer.from(
      "[\n" + Array.from({ length: 5000 }, (_, i) => `  {"uri": "at://x/${i}"}`).join(",\n") + "\n]\n"
    )
    const photo = randomBytes(1024 * 1024 + 17)
    writeFileSync(path.join(dir, "posts.json"), text)
    writeFileSync(path.join(dir, "photo.JPG"), photo)
    const file = path.join(dir, "out.zip")
    const size = await write(
      [
        { name: "posts.json", path: path.join(dir, "posts.json") },
        { name: "media/", mode: 0o750 },
        { name: "media/photo.JPG", path: path.join(dir, "photo.JPG") },
        { name: "media/inline.png", bytes: photo.subarray(0, 1000) },
        { name: "notes/café ünïcode.txt", bytes: "héllo\n", mode: 0o600 },
        { name: "streamed.csv", stream: Stream.make(new Uint8Array(Buffer.from("a,b\n1,2\n"))), size: 8 },
        { name: "empty.txt", bytes: new Uint8Array(0) }
      ],
      file
    )
    expect(size).toBe(readFileSync(file).length)

    unzipTest(file)
    const read = pythonRead(file)
    expect(read.map((e) => e.name)).toEqual([
      "posts.json",
      "media/",
      "media/photo.JPG",
      "media/inline.png",
      "notes/café ünïcode.txt",
      "streamed.csv",
      "empty.txt"
    ])
    const byName = new Map(read.map((e) => [e.name, e]))
    expect(byName.get("posts.json")).toMatchObject({ method: 8, size: text.length, sha256: sha256(text) })
    expect(byName.get("posts.json")!.compressed).toBeLessThan(text.length / 4)
    expect(byName.get("media/photo.JPG")).toMatchObject({ method: 0, size: photo.length, sha256: sha256(photo) })
    expect(byName.get("media/inline.png")).toMatchObject({ method: 0, sha256: sha256(photo.subarray(0, 1000)) })
    expect(byName.get("notes/café ünïcode.txt")).toMatchObject({ method: 8, sha256: sha256(Buffer.from("héllo\n")) })
    expect(byName.get("notes/café ünïcode.txt")!.mode & 0o777).toBe(0o600)
    expect(byName.get("media/")!.mode & 0o777).toBe(0o750)
    expect(byName.get("streamed.csv")).toMatchObject({ size: 8, sha256: sha256(Buffer.from("a,b\n1,2\n")) })
    expect(byName.get("empty.txt")).toMatchObject({ size: 0 })
  })

  it("streams a file larger than its read chunks without changing a byte", async () => {
    const dir = tempDir()
    const big = randomBytes(5 * 1024 * 1024 + 3)
    writeFileSync(path.join(dir, "clip.mp4"), big)
    writeFileSync(path.join(dir, "log.txt"), big)
    const file = path.join(dir, "out.zip")
    await write(
      [
        { name: "clip.mp4", path: path.join(dir, "clip.mp4") },
        { name: "log.txt", path: path.join(dir, "log.txt") }
      ],
      file
    )
    unzipTest(file)
    expect(pythonRead(file).map((e) => [e.name, e.method, e.sha256])).toEqual([
      ["clip.mp4", 0, sha256(big)],
      ["log.txt", 8, sha256(big)]
    ])
  })

  it.each([
    ["../escape.txt"],
    ["a/../../escape.txt"],
    ["/etc/passwd"],
    ["C:/windows.txt"],
    ["a\\b.txt"],
    ["a//b.txt"],
    ["./a.txt"],
    [""],
    ["nul\0.txt"]
  ])("refuses the entry name %j", async (name) => {
    const dir = tempDir()
    const file = path.join(dir, "out.zip")
    const error = await failure(ZipWriter.writeFile(ZipWriter.stream([{ name, bytes: "x" }]), file))
    expect(error).toBeInstanceOf(ZipError)
    expect(error.message).toMatch(/cannot add/)
    expect(existsSync(file)).toBe(false)
  })

  it("refuses a file entry that is a symlink, and a file that changed size", async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, "real.txt"), "real")
    symlinkSync(path.join(dir, "real.txt"), path.join(dir, "link.txt"))
    const file = path.join(dir, "out.zip")
    const link = await failure(
      ZipWriter.writeFile(ZipWriter.stream([{ name: "link.txt", path: path.join(dir, "link.txt") }]), file)
    )
    expect(link.message).toMatch(/not a regular file/)
    const changed = await failure(
      ZipWriter.writeFile(ZipWriter.stream([{ name: "real.txt", path: path.join(dir, "real.txt"), size: 3 }]), file)
    )
    expect(changed.message).toMatch(/has 4 bytes, not the 3 expected/)
    expect(existsSync(file)).toBe(false)
  })

  it("declares ZIP64 sizes for a deflated stream of unknown size, which unzip and python read", async () => {
    const dir = tempDir()
    const file = path.join(dir, "zip64.zip")
    const body = Buffer.from("zip64 ".repeat(10_000))
    await write(
      [
        { name: "unknown-size.txt", stream: Stream.make(new Uint8Array(body)) },
        { name: "known.txt", bytes: "small" }
      ],
      file
    )
    const bytes = readFileSync(file)
    // The first local header: version needed 4.5 and a ZIP64 extra field.
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50)
    expect(bytes.readUInt16LE(4)).toBe(45)
    const nameLength = bytes.readUInt16LE(26)
    const extra = bytes.subarray(30 + nameLength, 30 + nameLength + bytes.readUInt16LE(28))
    expect(hasZip64Extra(extra)).toBe(true)
    unzipTest(file)
    expect(pythonRead(file).map((e) => [e.name, e.size, e.sha256])).toEqual([
      ["unknown-size.txt", body.length, sha256(body)],
      ["known.txt", 5, sha256(Buffer.from("small"))]
    ])
  })
})

describe("ZipWriter.zipDirectory", () => {
  const tree = () => {
    const dir = tempDir()
    const root = path.join(dir, "export")
    mkdirSync(path.join(root, "media", "deep"), { recursive: true })
    mkdirSync(path.join(root, "empty"))
    writeFileSync(path.join(root, "posts.json"), "[]\n")
    writeFileSync(path.join(root, "manifest.json"), "{}\n")
    writeFileSync(path.join(root, "media", "a.jpg"), randomBytes(3000))
    writeFileSync(path.join(root, "media", "deep", "b.png"), randomBytes(10))
    writeFileSync(path.join(dir, "secret.txt"), "outside the tree")
    symlinkSync(path.join(dir, "secret.txt"), path.join(root, "leak.txt"))
    symlinkSync(path.join(root, "posts.json"), path.join(root, "media", "inside-link.json"))
    symlinkSync(dir, path.join(root, "parent"))
    spawnSync("mkfifo", [path.join(root, "media", "pipe")])
    return { dir, root }
  }

  it("lists folders and regular files in byte order, never a symlink or a special file", async () => {
    const { root } = tree()
    const entries = await Effect.runPromise(ZipWriter.listDirectory(root))
    expect(entries.map((e) => e.name)).toEqual([
      "empty/",
      "manifest.json",
      "media/",
      "media/a.jpg",
      "media/deep/",
      "media/deep/b.png",
      "posts.json"
    ])
    expect(entries.find((e) => e.name === "media/a.jpg")).toMatchObject({
      path: path.join(root, "media", "a.jpg"),
      size: 3000
    })
  })

  it("streams the tree into an archive every reader accepts", async () => {
    const { dir, root } = tree()
    const file = path.join(dir, "export.zip")
    await Effect.runPromise(ZipWriter.writeFile(ZipWriter.zipDirectory(root), file))
    const listing = unzipTest(file)
    expect(listing).not.toMatch(/leak|secret|parent|pipe|inside-link/)
    const read = pythonRead(file)
    expect(read.map((e) => [e.name, e.method])).toEqual([
      ["empty/", 0],
      ["manifest.json", 8],
      ["media/", 0],
      ["media/a.jpg", 0],
      ["media/deep/", 0],
      ["media/deep/b.png", 0],
      ["posts.json", 8]
    ])
    expect(read.find((e) => e.name === "media/a.jpg")!.sha256).toBe(
      sha256(readFileSync(path.join(root, "media", "a.jpg")))
    )
  })

  it("fails, rather than follow it, when a listed file is swapped for a symlink", async () => {
    const { dir, root } = tree()
    const entries = await Effect.runPromise(ZipWriter.listDirectory(root))
    renameSync(path.join(root, "posts.json"), path.join(dir, "moved.json"))
    symlinkSync(path.join(dir, "secret.txt"), path.join(root, "posts.json"))
    const file = path.join(dir, "swapped.zip")
    const error = await failure(ZipWriter.writeFile(ZipWriter.stream(entries), file))
    expect(error).toMatchObject({ _tag: "ZipError", entry: "posts.json" })
    expect(error.message).toMatch(/not a regular file/)
    expect(existsSync(file)).toBe(false)
  })

  it("fails when a listed file is replaced by another file", async () => {
    const { dir, root } = tree()
    const entries = await Effect.runPromise(ZipWriter.listDirectory(root))
    writeFileSync(path.join(dir, "other.json"), "[]\n")
    renameSync(path.join(dir, "other.json"), path.join(root, "posts.json"))
    const error = await failure(ZipWriter.writeFile(ZipWriter.stream(entries), path.join(dir, "replaced.zip")))
    expect(error.message).toMatch(/was replaced since it was listed/)
  })
})

describe("ZipWriter.writeFile and toReadable", () => {
  it("never overwrites a file, and removes its partial file when interrupted", async () => {
    const dir = tempDir()
    const file = path.join(dir, "out.zip")
    writeFileSync(file, "keep")
    const taken = await failure(ZipWriter.writeFile(ZipWriter.stream([{ name: "a.txt", bytes: "a" }]), file))
    expect(taken.message).toMatch(/cannot create .*EEXIST/)
    expect(readFileSync(file, "utf8")).toBe("keep")

    const slow = Stream.make(new Uint8Array(10)).pipe(Stream.concat(Stream.fromEffect(Effect.never)))
    const partial = path.join(dir, "partial.zip")
    const exit = await Effect.runPromise(
      Effect.exit(
        Effect.timeout(ZipWriter.writeFile(ZipWriter.stream([{ name: "slow.txt", stream: slow }]), partial), 200)
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(existsSync(partial)).toBe(false)
  })

  it("gives a Node Readable for code outside Effect", async () => {
    const dir = tempDir()
    const file = path.join(dir, "piped.zip")
    await pipeline(
      ZipWriter.toReadable(ZipWriter.stream([{ name: "hello.txt", bytes: "hello" }])),
      createWriteStream(file)
    )
    unzipTest(file)
    expect(pythonRead(file)).toMatchObject([{ name: "hello.txt", size: 5 }])
  })
})

describe("ZipWriter.compressible", () => {
  it("stores already-compressed formats and deflates the rest", () => {
    expect(["a.jpg", "b.JPEG", "c.png", "d.mp4", "e.webp", "f.gz", "g.zip"].map(ZipWriter.compressible)).toEqual(
      Array(7).fill(false)
    )
    expect(
      ["posts.json", "posts.csv", "manifest.json", "README", "dir.v2/file", "x.ndjson"].map(ZipWriter.compressible)
    ).toEqual(Array(6).fill(true))
  })
})
