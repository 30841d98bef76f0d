/** A CAR with any one of its bytes flipped is refused (the loop flips a sample: RepoCar.test.ts). */
import { writeFileSync } from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { flipGoesUnnoticed, useCarFiles } from "./support/ReadCar.js"
import * as Repos from "./support/Repos.js"

let built: Repos.Built
beforeAll(async () => {
  built = await Repos.build(Repos.catalog())
})
const { dir } = useCarFiles()
/** One file, written again for each flip. */
const file = (bytes: Uint8Array): string => {
  const p = path.join(dir(), "flipped.car")
  writeFileSync(p, bytes)
  return p
}

describe("RepoCar", () => {
  it("refuses the file when any single byte is flipped, each byte in turn", async () => {
    const unnoticed: Array<number> = []
    for (let at = 0; at < built.car.length; at++) if (await flipGoesUnnoticed(file, built.car, at)) unnoticed.push(at)
    expect(unnoticed, "flips that went unnoticed").toEqual([])
  }, 600_000)
})
