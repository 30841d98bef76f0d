/** Reads a CAR the way an import does, from a file written for the test. */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { RepoCar } from "../../src/index.js"

/**
 * A folder for the calling file's CAR files (`dir`), removed after its tests; `file` writes one
 * there, under a new name or the one given (written again each time).
 */
export const useCarFiles = () => {
  let dir = ""
  let n = 0
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "skyporter-repocar-test-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return {
    dir: () => dir,
    file: (bytes: Uint8Array, name = `f${n++}.car`): string => {
      const p = path.join(dir, name)
      writeFileSync(p, bytes)
      return p
    }
  }
}

/** Opens the CAR and reads everything an import reads: every entry and every record. */
export const readAll = (p: string) =>
  Effect.runPromiseExit(
    Effect.acquireUseRelease(
      RepoCar.open(p),
      (car) =>
        Effect.try({
          try: () => {
            const keys: Array<string> = []
            for (const e of car.entries()) {
              car.record(e)
              keys.push(`${e.collection}/${e.rkey}`)
            }
            return { car, keys }
          },
          catch: (e) => e
        }),
      // Closed on failure too: a failed walk must not leave the file open.
      (car) => Effect.promise(() => car.close())
    )
  )

/** Whether the CAR with its byte at `at` flipped still reads whole: true when the flip went unnoticed. */
export const flipGoesUnnoticed = async (file: (bytes: Uint8Array) => string, car: Uint8Array, at: number) => {
  const bytes = Buffer.from(car)
  bytes[at] = bytes[at]! ^ 0x01
  return Exit.isSuccess(await readAll(file(bytes)))
}
