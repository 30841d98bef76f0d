import * as Effect from "effect/Effect"
import { Import, RepoCar } from "@skyporter/car"
import { rmSync } from "node:fs"
rmSync("/tmp/p.db", { force: true })
let t = Date.now()
const car = await Effect.runPromise(RepoCar.open("/tmp/car20k.car"))
console.log("scan", Date.now() - t); t = Date.now()
let n = 0
for (const e of car.entries()) n++
console.log("walk", n, Date.now() - t); t = Date.now()
for (const e of car.entries()) car.record(e)
console.log("walk+records", Date.now() - t); t = Date.now()
await car.close()
t = Date.now()
await Effect.runPromise(Import.run({ car: "/tmp/car20k.car", db: "/tmp/p.db" }))
console.log("import", Date.now() - t)
