import { Cause, Effect, Exit } from "effect"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { crc32 } from "node:zlib"
import { describe, expect, it } from "vitest"
import { type ZipError, ZipFile } from "../dist/index.js"
import { ArchiveFile } from "../dist/internal/ArchiveFile.js"
import { pythonRead, sha256, tempDir, unzipTest } from "./helpers.js"

const failure = (exit: Exit.Exit<unknown, ZipError>): ZipError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.squash(exit.cause) as ZipError
}

/** Whether any header of the archive sets the data-descriptor flag (bit 3), read by python from both headers. */
const READ_HEADERS = `
import json, struct, sys, zipfile
out = []
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[1], "rb") as f:
    for info in z.infolist():
        f.seek(info.header_offset)
        head = f.read(30)
        flags, method, time, date, crc, csize, size = struct.unpack("<HHHHIII", head[6:26])
        out.append({"name": info.filename, "offset": info.header_offset, "central_flags": info.flag_bits,
                    "local_flags": flags, "local_crc": crc, "crc": info.CRC, "date_time": list(info.date_time)})
print(json.dumps(out))
`
interface Header {
  readonly name: string
  readonly offset: number
  readonly central_flags: number
  readonly local_flags: number
  readonly local_crc: number
  readonly crc: number
  readonly date_time: Array<number>
}
const readHeaders = (file: string): Array<Header> =>
  JSON.parse(execFileSync("python3", ["-c", READ_HEADERS, file], { encoding: "utf8" }))

describe("ZipFile", () => {
  it("writes folders, bytes and files once each, returning the SHA-256 of what went in", async () => {
    const dir = tempDir()
    const text = Buffer.from(
      "[\n" + Array.from({ length: 40_000 }, (_, i) => `  {"uri": "at://x/${i}"}`).join(",\n") + "\n]\n"
    )
    const photo = randomBytes(3 * 1024 * 1024 + 17) // more than one read chunk
    writeFileSync(path.join(dir, "posts.json"), text)
    writeFileSync(path.join(dir, "photo.jpg"), photo)
    writeFileSync(path.join(dir, "empty.png"), "")
    const file = path.join(dir, "out.zip")
    const mtime = new Date(Date.UTC(2024, 4, 6, 7, 8, 10))
    const { sums, size } = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          yield* zip.addDirectory("media/", { mtime })
          const written = [
            yield* zip.addFile("media/photo.jpg", path.join(dir, "photo.jpg"), { mtime, size: photo.length }),
            yield* zip.addFile("media/empty.png", path.join(dir, "empty.png"), { mtime }),
            yield* zip.addFile("posts.json", path.join(dir, "posts.json"), { mtime }),
            yield* zip.addBytes("manifest.json", '{"ok": true}\n', { mtime }),
            yield* zip.addBytes("ünïcode.txt", new Uint8Array([1, 2, 3]), { mtime, compress: false })
          ]
          return { sums: written, size: yield* zip.close }
        })
      )
    )
    expect(readFileSync(file).length).toBe(size)
    expect(sums).toEqual([
      { bytes: photo.length, sha256: sha256(photo) },
      { bytes: 0, sha256: sha256(Buffer.alloc(0)) },
      { bytes: text.length, sha256: sha256(text) },
      { bytes: 13, sha256: sha256(Buffer.from('{"ok": true}\n')) },
      { bytes: 3, sha256: sha256(new Uint8Array([1, 2, 3])) }
    ])
    unzipTest(file)
    const entries = pythonRead(file)
    expect(entries.map((e) => [e.name, e.method, e.size, e.mode])).toEqual([
      ["media/", 0, 0, 0o40755],
      ["media/photo.jpg", 0, photo.length, 0o100644],
      ["media/empty.png", 0, 0, 0o100644],
      ["posts.json", 8, text.length, 0o100644],
      ["manifest.json", 8, 13, 0o100644],
      ["ünïcode.txt", 0, 3, 0o100644]
    ])
    expect(entries[1]!.sha256).toBe(sha256(photo))
    expect(entries[3]!.sha256).toBe(sha256(text))
    expect(entries[3]!.compressed).toBeLessThan(text.length / 4)
    // CRC and sizes are in the local headers: no data descriptors, which streaming readers mishandle.
    for (const h of readHeaders(file)) {
      expect(h.local_flags & 8, h.name).toBe(0)
      expect(h.central_flags & 8, h.name).toBe(0)
      expect(h.local_crc, h.name).toBe(h.crc)
      expect(h.date_time, h.name).toEqual([2024, 5, 6, 7, 8, 10])
    }
  })

  it("lists the central directory by name when asked, whatever order the entries were written in", async () => {
    const dir = tempDir()
    const file = path.join(dir, "out.zip")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file, { order: "name" })
          yield* zip.addDirectory("media/")
          yield* zip.addBytes("media/b.jpg", "b")
          yield* zip.addBytes("media/a.jpg", "a")
          yield* zip.addBytes("posts.json", "[]\n")
          yield* zip.addBytes("manifest.json", "{}\n")
          yield* zip.close
        })
      )
    )
    unzipTest(file)
    const headers = readHeaders(file)
    expect(headers.map((h) => h.name)).toEqual(["manifest.json", "media/", "media/a.jpg", "media/b.jpg", "posts.json"])
    // Written as added: the manifest last, the folder first.
    expect(headers[0]!.offset).toBeGreaterThan(headers[4]!.offset)
    expect(headers[1]!.offset).toBe(0)
  })

  it("takes overlapping calls in the order they were made, small and large files alike", async () => {
    const dir = tempDir()
    const sizes = Array.from({ length: 24 }, (_, i) => (i % 5 === 3 ? 1024 * 1024 + 7 * i : 1000 * (i + 1)))
    const contents = sizes.map((size, i) => {
      const data = randomBytes(size)
      writeFileSync(path.join(dir, `${i}.jpg`), data)
      return data
    })
    writeFileSync(path.join(dir, "text.txt"), "text ".repeat(100_000))
    const file = path.join(dir, "out.zip")
    const sums = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          const added = yield* Effect.forEach(
            [...contents.keys(), -1],
            (i) =>
              i < 0
                ? zip.addFile("text.txt", path.join(dir, "text.txt"))
                : i === 7
                  ? Effect.flatMap(Effect.exit(zip.addFile("missing.jpg", path.join(dir, "missing.jpg"))), () =>
                      zip.addFile(`${i}.jpg`, path.join(dir, `${i}.jpg`))
                    )
                  : zip.addFile(`${i}.jpg`, path.join(dir, `${i}.jpg`)),
            { concurrency: 8 }
          )
          yield* zip.close
          return added
        })
      )
    )
    expect(sums.slice(0, -1)).toEqual(contents.map((c) => ({ bytes: c.length, sha256: sha256(c) })))
    unzipTest(file)
    const headers = readHeaders(file)
    const names = headers.map((h) => h.name)
    expect(new Set(names)).toEqual(new Set([...contents.keys()].map((i) => `${i}.jpg`).concat("text.txt")))
    // Written in the order asked for (entry 7 asked again after its missing file, so a little later).
    const order = names.filter((n) => n !== "7.jpg")
    expect(order).toEqual(
      [...contents.keys()]
        .filter((i) => i !== 7)
        .map((i) => `${i}.jpg`)
        .concat("text.txt")
    )
    const offsets = headers.map((h) => h.offset)
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets)
    for (const e of pythonRead(file).filter((x) => x.name.endsWith(".jpg"))) {
      expect(e.sha256).toBe(sha256(contents[Number(e.name.split(".")[0])]!))
    }
  })

  it("takes back an entry whose file cannot be read, and goes on", async () => {
    const dir = tempDir()
    const real = path.join(dir, "real.jpg")
    writeFileSync(real, randomBytes(1000))
    symlinkSync(real, path.join(dir, "link.jpg"))
    mkdirSync(path.join(dir, "folder.jpg"))
    const file = path.join(dir, "out.zip")
    const errors = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          const failures = [
            failure(yield* Effect.exit(zip.addFile("a.jpg", path.join(dir, "missing.jpg")))),
            failure(yield* Effect.exit(zip.addFile("b.jpg", path.join(dir, "link.jpg")))),
            failure(yield* Effect.exit(zip.addFile("c.jpg", path.join(dir, "folder.jpg")))),
            failure(yield* Effect.exit(zip.addFile("d.jpg", real, { size: 999 })))
          ]
          yield* zip.addFile("real.jpg", real)
          yield* zip.close
          return failures
        })
      )
    )
    expect(errors.map((e) => [e.entry, e.source])).toEqual([
      ["a.jpg", true],
      ["b.jpg", true],
      ["c.jpg", true],
      ["d.jpg", true]
    ])
    expect(errors[0]!.code).toBe("ENOENT")
    expect(errors[1]!.code).toBe("ELOOP")
    expect(errors[3]!.message).toMatch(/has more than 1000 bytes, not the 999 expected/)
    unzipTest(file)
    expect(pythonRead(file).map((e) => e.name)).toEqual(["real.jpg"])
  })

  it("refuses unsafe names before writing anything", async () => {
    const dir = tempDir()
    const file = path.join(dir, "out.zip")
    const exits = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          const results = [
            yield* Effect.exit(zip.addBytes("../up.txt", "x")),
            yield* Effect.exit(zip.addBytes("/abs.txt", "x")),
            yield* Effect.exit(zip.addBytes("folder/", "x")),
            yield* Effect.exit(zip.addDirectory("file"))
          ]
          yield* zip.addBytes("ok.txt", "ok")
          yield* zip.close
          return results
        })
      )
    )
    for (const exit of exits) expect(failure(exit).message).toMatch(/^cannot add /)
    unzipTest(file)
    expect(pythonRead(file).map((e) => e.name)).toEqual(["ok.txt"])
  })

  it("never replaces a file, and removes an archive that was not closed", async () => {
    const dir = tempDir()
    const taken = path.join(dir, "taken.zip")
    writeFileSync(taken, "mine")
    const exit = await Effect.runPromise(Effect.exit(Effect.scoped(ZipFile.create(taken))))
    expect(failure(exit).code).toBe("EEXIST")
    expect(readFileSync(taken, "utf8")).toBe("mine")

    const file = path.join(dir, "out.zip")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          yield* zip.addBytes("a.txt", "a")
        })
      )
    )
    expect(existsSync(file)).toBe(false)
    expect(readdirSync(dir)).toEqual(["taken.zip"])
  })
})

describe("an archive discarded while a file goes in (an interrupt)", () => {
  it("fails that entry, and never leaves its failure unhandled (which would end the process)", async () => {
    const dir = tempDir()
    const source = path.join(dir, "source.bin")
    writeFileSync(source, randomBytes(200_000))
    let unhandled = 0
    const count = () => unhandled++
    process.on("unhandledRejection", count)
    try {
      let failed = 0
      // Discarded after 0 to 11 turns of the event loop: some land between the read and the write.
      for (let i = 0; i < 48; i++) {
        const archive = await ArchiveFile.create(path.join(dir, `a${i}.zip`))
        const adding = archive.addFile(
          "f",
          source,
          { mtime: new Date(), mode: 0o644, deflate: false },
          undefined,
          undefined
        )
        for (let k = 0; k < i % 12; k++) await new Promise((resolve) => setImmediate(resolve))
        const discarding = archive.discard()
        await adding.catch(() => failed++)
        await discarding
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(failed).toBeGreaterThan(0)
      expect(unhandled).toBe(0)
      expect(readdirSync(dir)).toEqual(["source.bin"])
    } finally {
      process.off("unhandledRejection", count)
    }
  })
})

describe("ZipFile's CRC-32", () => {
  it("takes the same CRC-32 with the table (Node lines before zlib.crc32) as with zlib", async () => {
    const { tableCrc32 } = await import("../dist/internal/Records.js")
    const data = randomBytes(100_003)
    const whole = tableCrc32(data, 0)
    expect(whole).toBe(crc32(data))
    expect(tableCrc32(data.subarray(50_000), tableCrc32(data.subarray(0, 50_000), 0))).toBe(whole)
    expect(tableCrc32(new Uint8Array(0), 0)).toBe(0)
  })
})
