/**
 * ZipFile past the limits of the classic format: more than 65,535 entries,
 * an entry of more than 4 GiB, and entries and a central directory that start
 * past 4 GiB. Slow (about 4 GiB written and read back): in the long suite.
 * With them, a reader that streams (Java's ZipInputStream, from a pipe), whose
 * virtual machine takes seconds to start; the loop's readers are unzip and
 * Python's zipfile (ZipFile.test.ts).
 */
import { Effect } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { ZipFile } from "../dist/index.js"
import { pythonRead, sha256 as hashOf, tempDir } from "./helpers.js"

/** The 4-byte signature `fromEnd` bytes before the end of a file. */
const signature = (file: string, fromEnd: number): number => {
  const fd = openSync(file, "r")
  try {
    const b = Buffer.alloc(4)
    readSync(fd, b, 0, 4, fstatSync(fd).size - fromEnd)
    return b.readUInt32LE(0)
  } finally {
    closeSync(fd)
  }
}

describe("ZipFile past the classic limits", () => {
  it("switches to the ZIP64 end records past 65,535 entries", async () => {
    const dir = tempDir()
    const file = path.join(dir, "many.zip")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          for (let i = 0; i < 65_537; i++) yield* zip.addBytes(`f/${i}.txt`, `${i}`, { compress: false })
          yield* zip.close
        })
      )
    )
    const entries = pythonRead(file)
    expect(entries.length).toBe(65_537)
    expect(entries[65_536]).toMatchObject({ name: "f/65536.txt", size: 5 })
    const bytes = readFileSync(file)
    // The ZIP64 end record (PK\x06\x06) and its locator (PK\x06\x07) precede the classic end record.
    expect(bytes.readUInt32LE(bytes.length - 22 - 20)).toBe(0x07064b50)
    expect(bytes.readUInt32LE(bytes.length - 22 - 20 - 56)).toBe(0x06064b50)
  }, 300_000)

  it("writes an entry of more than 4 GiB, and entries after it, with ZIP64 sizes and offsets", async () => {
    const dir = tempDir()
    const big = path.join(dir, "big.bin")
    const size = 2 ** 32 + 3 * 2 ** 20 + 5
    // A sparse file: zeros but for a marker near its end (reading it costs no disk).
    const fd = openSync(big, "w")
    writeSync(fd, Buffer.from("the end"), 0, 7, size - 7)
    closeSync(fd)
    const expected = createHash("sha256")
    const zeros = Buffer.alloc(2 ** 24)
    let left = size - 7
    while (left > 0) {
      const n = Math.min(left, zeros.length)
      expected.update(zeros.subarray(0, n))
      left -= n
    }
    expected.update("the end")
    const sha256 = expected.digest("hex")

    const file = path.join(dir, "big.zip")
    const written = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const zip = yield* ZipFile.create(file)
          yield* zip.addBytes("first.txt", "before\n")
          const entry = yield* zip.addFile("big.bin", big, { compress: false })
          yield* zip.addBytes("after.txt", "after\n")
          yield* zip.addDirectory("folder/")
          yield* zip.close
          return entry
        })
      )
    )
    expect(written).toEqual({ bytes: size, sha256 })
    const entries = pythonRead(file)
    expect(entries.map((e) => [e.name, e.size])).toEqual([
      ["first.txt", 7],
      ["big.bin", size],
      ["after.txt", 6],
      ["folder/", 0]
    ])
    expect(entries[1]!.sha256).toBe(sha256)
    expect(signature(file, 22 + 20)).toBe(0x07064b50)
  }, 600_000)
})

/** Java's ZipInputStream reads local headers only, from a pipe: each entry's name, size and sha256. */
const JAVA_STREAM_READER = `
import java.io.*;
import java.security.MessageDigest;
import java.util.zip.*;
public class StreamRead {
  public static void main(String[] args) throws Exception {
    try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(System.in))) {
      ZipEntry e;
      byte[] buf = new byte[1 << 16];
      while ((e = in.getNextEntry()) != null) {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long n = 0;
        for (int r; (r = in.read(buf)) > 0; n += r) md.update(buf, 0, r);
        StringBuilder hex = new StringBuilder();
        for (byte b : md.digest()) hex.append(String.format("%02x", b));
        System.out.println(e.getName() + " " + n + " " + hex);
      }
    }
  }
}
`
const hasJava = spawnSync("java", ["-version"]).status === 0

describe("ZipFile and streaming readers", () => {
  it.skipIf(!hasJava)(
    "is read whole by Java's ZipInputStream from a pipe, stored entries too",
    async () => {
      const dir = tempDir()
      const photo = randomBytes(2 * 1024 * 1024 + 3)
      writeFileSync(path.join(dir, "photo.jpg"), photo)
      writeFileSync(path.join(dir, "small.png"), photo.subarray(0, 5000))
      const file = path.join(dir, "out.zip")
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const zip = yield* ZipFile.create(file, { order: "name" })
            yield* zip.addFile("media/photo.jpg", path.join(dir, "photo.jpg"))
            yield* zip.addFile("media/small.png", path.join(dir, "small.png"))
            yield* zip.addBytes("posts.json", "[]\n".repeat(1000))
            yield* zip.addDirectory("media/")
            yield* zip.close
          })
        )
      )
      const source = path.join(dir, "StreamRead.java")
      writeFileSync(source, JAVA_STREAM_READER)
      const out = execFileSync("java", [source], { input: readFileSync(file), encoding: "utf8" })
      expect(out.trim().split("\n")).toEqual([
        `media/photo.jpg ${photo.length} ${hashOf(photo)}`,
        `media/small.png 5000 ${hashOf(photo.subarray(0, 5000))}`,
        `posts.json 3000 ${hashOf(Buffer.from("[]\n".repeat(1000)))}`,
        `media/ 0 ${hashOf(Buffer.alloc(0))}`
      ])
    },
    60_000
  )
})
