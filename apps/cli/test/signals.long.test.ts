/**
 * SIGINT in the middle of an export, as signals.test.ts sends SIGTERM: exit 130, nothing
 * published, no temporary directory left.
 */
import { describe, it } from "vitest"
import { betweenBatchesArchive, expectInterruptedBetweenBatches } from "./between-batches.js"

const fx = betweenBatchesArchive()

describe("a signal mid-export", () => {
  it(
    "SIGINT: exits 130, publishes nothing and removes its temporary directory",
    () => expectInterruptedBetweenBatches(fx, "SIGINT"),
    180_000
  )
})
