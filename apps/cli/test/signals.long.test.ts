/**
 * SIGINT in the middle of an export, as signals.test.ts sends SIGTERM: exit 130, nothing
 * published, no temporary directory left; and the same when a SIGTERM lands as the
 * interrupted process exits (fixtures/late-signal.mjs).
 */
import { describe, it } from "vitest"
import { betweenBatchesArchive, expectInterruptedBetweenBatches } from "./between-batches.js"
import { LATE_SIGNAL } from "./launcher-runs.js"

const fx = betweenBatchesArchive()

describe("a signal mid-export", () => {
  it(
    "SIGINT: exits 130, publishes nothing and removes its temporary directory",
    () => expectInterruptedBetweenBatches(fx, "SIGINT"),
    180_000
  )

  it(
    "SIGINT, then a SIGTERM as it exits: still 130, nothing left",
    () =>
      expectInterruptedBetweenBatches(fx, "SIGINT", {
        name: "late",
        env: { NODE_OPTIONS: `--import=${LATE_SIGNAL}`, LATE_SIGNAL: "SIGTERM" }
      }),
    180_000
  )
})
