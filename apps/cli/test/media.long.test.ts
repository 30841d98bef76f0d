/**
 * SIGTERM while media files go into the ZIP file of an export: exit 130, nothing published,
 * nothing left (SIGINT the same way in media.test.ts; SIGTERM between batches in signals.test.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest"
import { seedWithMedia, expectZipInterrupted } from "./media-support.js"
import { removeDir, tempDir } from "./support.js"

let dir: string
let seeded: string

beforeAll(async () => {
  dir = tempDir()
  seeded = await seedWithMedia(dir)
}, 120_000)

afterAll(() => removeDir(dir))

describe("skyporter export --zip", () => {
  it(
    "SIGTERM while media files go into the ZIP file: exit 130, nothing published, nothing left",
    () => expectZipInterrupted("SIGTERM", seeded, dir),
    120_000
  )
})
