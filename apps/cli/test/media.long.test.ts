/**
 * SIGTERM while media files go into the ZIP file of an export: exit 130, nothing published,
 * nothing left (SIGINT the same way in media.test.ts; SIGTERM between batches in signals.test.ts);
 * and a --media-root that is a file refused (media.test.ts: one that does not exist).
 */
import { describe, it } from "vitest"
import { expectZipInterrupted, MEDIA_FLAG_CASES, refusesMediaFlags, seededWithMedia } from "./media-support.js"

const fx = seededWithMedia()

describe("skyporter export --zip", () => {
  it(
    "SIGTERM while media files go into the ZIP file: exit 130, nothing published, nothing left",
    () => expectZipInterrupted("SIGTERM", fx.seeded, fx.dir),
    120_000
  )
})

describe("skyporter export --media", () => {
  // The bad flags media.test.ts leaves out (the table: media-support.ts).
  refusesMediaFlags(
    fx,
    MEDIA_FLAG_CASES.filter(([, , loop]) => !loop)
  )
})
