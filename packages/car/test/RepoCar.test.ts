import { CarWriter } from "@ipld/car/writer"
import * as dagCbor from "@ipld/dag-cbor"
import * as Exit from "effect/Exit"
import { CID } from "multiformats/cid"
import { sha256 } from "multiformats/hashes/sha2"
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { flipGoesUnnoticed, readAll, useCarFiles } from "./support/ReadCar.js"
import * as Repos from "./support/Repos.js"

let built: Repos.Built
beforeAll(async () => {
  built = await Repos.build(Repos.catalog())
})
const { dir, file } = useCarFiles()

const failure = (exit: Exit.Exit<unknown, unknown>): string => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) return ""
  const error = exit.cause.toString()
  return error
}

describe("RepoCar", () => {
  it("reads a repository written by the reference implementation: DID, rev and every record in key order", async () => {
    const exit = await readAll(file(built.car))
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    const { car, keys } = exit.value
    expect(car.commit.did).toBe(Repos.DID)
    expect(car.commit.cid).toBe(built.commit)
    expect(car.commit.version).toBe(3)
    expect(keys).toEqual([...keys].sort())
    expect(keys.filter((k) => k.startsWith("app.bsky.feed.post/"))).toEqual(
      built.rkeys.map((k) => `app.bsky.feed.post/${k}`)
    )
    expect(keys).toContain("app.bsky.actor.profile/self")
  })

  it("refuses a truncated file, wherever it is cut", async () => {
    for (const cut of [1, 10, 60, Math.floor(built.car.length / 2), built.car.length - 1]) {
      const message = failure(await readAll(file(built.car.subarray(0, cut))))
      expect(message, `cut at ${cut}`).toMatch(/truncated|ends inside|lacks/)
      // Cut inside the header: a CAR that ends early, not "not a CAR".
      if (cut <= 10) expect(message, `cut at ${cut}`).toMatch(/ends inside the CAR header .*: it is truncated/)
    }
  })

  it("refuses the file when a single byte is flipped: in the header and first sections, then every 41st byte", async () => {
    // Every byte is header, length, CID or block data: a flip anywhere must be caught. All of the
    // header and first sections, then every 41st byte (every byte: RepoCar.long.test.ts).
    for (let at = 0; at < built.car.length; at += at < 256 ? 1 : 41) {
      expect(await flipGoesUnnoticed(file, built.car, at), `flip at byte ${at} went unnoticed`).toBe(false)
    }
  }, 120_000)

  it("names a block whose bytes do not match its CID", async () => {
    const bytes = Buffer.from(built.car)
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff
    expect(failure(await readAll(file(bytes)))).toMatch(/does not match its CID: the file was altered or damaged/)
  })

  it("refuses a commit whose signature is not 64 bytes", async () => {
    const node = dagCbor.encode({ l: null, e: [] })
    const nodeCid = CID.createV1(dagCbor.code, await sha256.digest(node))
    const commit = dagCbor.encode({
      did: Repos.DID,
      version: 3,
      data: nodeCid,
      rev: "3mbd3542k2222",
      prev: null,
      sig: new Uint8Array(10)
    })
    const commitCid = CID.createV1(dagCbor.code, await sha256.digest(commit))
    const { out, writer } = CarWriter.create([commitCid])
    const chunks: Array<Uint8Array> = []
    const collect = (async () => {
      for await (const c of out) chunks.push(c)
    })()
    await writer.put({ cid: commitCid, bytes: commit })
    await writer.put({ cid: nodeCid, bytes: node })
    await writer.close()
    await collect
    expect(failure(await readAll(file(Buffer.concat(chunks))))).toMatch(/has a 10-byte signature; .* 64-byte/)
  })

  it("refuses a CAR that is not a repository, and a file that is not a CAR", async () => {
    const block = dagCbor.encode({ hello: "world" })
    const cid = CID.createV1(dagCbor.code, await sha256.digest(block))
    const { out, writer } = CarWriter.create([cid])
    const chunks: Array<Uint8Array> = []
    const collect = (async () => {
      for await (const c of out) chunks.push(c)
    })()
    await writer.put({ cid, bytes: block })
    await writer.close()
    await collect
    expect(failure(await readAll(file(Buffer.concat(chunks))))).toMatch(/not a signed repository commit/)
    expect(failure(await readAll(file(Buffer.from("just some text, not a CAR\n"))))).toMatch(
      /not a CAR file \(it starts with the bytes 6a 75 73 74 20 73 6f 6d\): a CAR file is a repository export/
    )
    // Bytes that cannot start a CAR header are not a CAR, however short or long: never "truncated".
    for (const bytes of [Buffer.from("junk!"), ...Array.from({ length: 20 }, () => randomBytes(2000))]) {
      const message = failure(await readAll(file(bytes)))
      expect(message).toMatch(/: not a CAR file \(it starts with the bytes /)
      expect(message).not.toMatch(/truncated/)
    }
    expect(failure(await readAll(file(Buffer.alloc(0))))).toMatch(/: the file is empty: a CAR file is/)
    expect(failure(await readAll(dir()))).toMatch(/: is a directory, not a CAR file/)
    expect(failure(await readAll(path.join(dir(), "missing.car")))).toMatch(/no such file/)
  })
})
