/**
 * SIGTERM while media files go into the ZIP file of an export: exit 130, nothing published,
 * nothing left (SIGINT the same way in media.test.ts; SIGTERM between batches in signals.test.ts).
 */
import { describe, it } from "vitest"
import { expectZipInterrupted, seededWithMedia } from "./media-support.js"

const fx = seededWithMedia()

describe("skyporter export --zip", () => {
  it(
    "SIGTERM while media files go into the ZIP file: exit 130, nothing published, nothing left",
    () => expectZipInterrupted("SIGTERM", fx.seeded, fx.dir),
    120_000
  )
})
