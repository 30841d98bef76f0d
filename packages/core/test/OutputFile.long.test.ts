import { Effect } from "effect"
import { createHash } from "node:crypto"
import { createReadStream, statSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { openOutput } from "../dist/internal/OutputFile.js"
import { tempDir } from "./helpers.js"

describe("OutputFile.openOutput", () => {
  it("writes chunks of more than 2 GiB in one call exactly once, as its entry says", async () => {
    const dir = tempDir()
    // One buffer twice: 2.2 GB in one call, past what the system's single write takes.
    const part = Buffer.alloc(1_100_000_000)
    for (let i = 0; i < part.length; i += 4096) part.write(String(i), i)
    const entry = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const output = yield* openOutput(dir, "posts.bin")
          yield* output.writeAll([part, Buffer.from("tail"), part])
          return yield* output.finish
        })
      )
    )
    const file = path.join(dir, "posts.bin")
    expect(entry.bytes).toBe(2 * part.length + 4)
    expect(statSync(file).size).toBe(entry.bytes)
    const hash = createHash("sha256")
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
    expect(hash.digest("hex")).toBe(entry.sha256)
  }, 300_000)
})
