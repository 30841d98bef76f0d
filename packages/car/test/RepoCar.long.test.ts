/** A CAR with any one of its bytes flipped is refused (the loop flips a sample: RepoCar.test.ts). */
import { beforeAll, describe, expect, it } from "vitest"
import { flipGoesUnnoticed, useCarFiles } from "./support/ReadCar.js"
import * as Repos from "./support/Repos.js"

let built: Repos.Built
beforeAll(async () => {
  built = await Repos.build(Repos.catalog())
})
const cars = useCarFiles()
/** One file, written again for each flip. */
const file = (bytes: Uint8Array) => cars.file(bytes, "flipped.car")

describe("RepoCar", () => {
  it("refuses the file when any single byte is flipped, each byte in turn", async () => {
    const unnoticed: Array<number> = []
    for (let at = 0; at < built.car.length; at++) if (await flipGoesUnnoticed(file, built.car, at)) unnoticed.push(at)
    expect(unnoticed, "flips that went unnoticed").toEqual([])
  }, 600_000)
})
