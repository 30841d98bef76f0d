/**
 * SIGTERM in the middle of an export (a slow test plugin; the signal is sent
 * once stderr shows progress and batch 2 has been written): exit 130, nothing
 * published, no temporary directory left. SIGINT the same way:
 * signals.long.test.ts (and into a ZIP file, in the loop: media.test.ts).
 */
import { describe, it } from "vitest"
import { betweenBatchesArchive, expectInterruptedBetweenBatches } from "./between-batches.js"

const fx = betweenBatchesArchive()

describe("a signal mid-export", () => {
  it(
    "SIGTERM: exits 130, publishes nothing and removes its temporary directory",
    () => expectInterruptedBetweenBatches(fx, "SIGTERM"),
    180_000
  )
})
