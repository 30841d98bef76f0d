/**
 * ZipWriter past the classic entry count: 65,537 entries, read back by unzip
 * and Python. Slow (an entry at a time through the stream): in the long suite.
 * In the loop, ZipWriter.test.ts checks its ZIP64 sizes for a stream of
 * unknown size.
 */
import { Effect, Stream } from "effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { type ZipError, ZipWriter } from "../dist/index.js"
import { pythonRead, sha256, tempDir, unzipTest } from "./helpers.js"

const write = (entries: Stream.Stream<ZipWriter.Entry, ZipError>, file: string) =>
  Effect.runPromise(ZipWriter.writeFile(ZipWriter.stream(entries), file))

describe("ZipWriter.stream", () => {
  it("switches to the ZIP64 end records past 65,535 entries", async () => {
    const dir = tempDir()
    const file = path.join(dir, "many.zip")
    const count = 65_537
    const entries = Stream.range(0, count - 1).pipe(
      Stream.map((i): ZipWriter.Entry => ({
        name: `n/${String(i).padStart(5, "0")}`,
        bytes: String(i),
        compress: false
      }))
    )
    await write(entries, file)
    const bytes = readFileSync(file)
    const end = bytes.subarray(bytes.length - 22)
    expect(end.readUInt32LE(0)).toBe(0x06054b50)
    // The classic record says "see ZIP64"; the ZIP64 record (before its locator) holds the real count.
    expect(end.readUInt16LE(10)).toBe(0xffff)
    const locator = bytes.subarray(bytes.length - 42, bytes.length - 22)
    expect(locator.readUInt32LE(0)).toBe(0x07064b50)
    const end64 = bytes.subarray(Number(locator.readBigUInt64LE(8)))
    expect(end64.readUInt32LE(0)).toBe(0x06064b50)
    expect(end64.readBigUInt64LE(32)).toBe(BigInt(count))
    unzipTest(file)
    const read = pythonRead(file)
    expect(read).toHaveLength(count)
    expect(read[count - 1]).toMatchObject({ name: "n/65536", sha256: sha256(Buffer.from("65536")) })
  }, 120_000)
})
