// Temporary folders for tests, each removed when the code that made it is done with it, whether
// its tests pass or fail. Workers run many files in one module graph (`isolate: false`), so this
// module registers no hook when imported: each folder is tied to the test or file that makes it.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { onTestFinished, TestRunner } from "vitest"

// Folders made outside a test (a file's top level, beforeAll): removed after that file's tests.
const fileDirs: Array<string> = []

const remove = (dir: string): void => rmSync(dir, { recursive: true, force: true })

/**
 * A new empty folder in the system's temporary folder, named `<prefix>XXXXXX`. Made in a test
 * (or its beforeEach/afterEach), it is removed when the test finishes; made elsewhere, after the
 * file's tests (tempDir.setup.mts). Never call it when a support module is first imported.
 */
export const tempDir = (prefix: string): string => {
  if (TestRunner.getCurrentTest() === undefined) return fileTempDir(prefix)
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  onTestFinished(() => remove(dir))
  return dir
}

/** A new empty folder removed after the file's tests, even when made in a test (one it memoizes). */
export const fileTempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  fileDirs.push(dir)
  return dir
}

/** Removes the folders made outside a test so far (each one tried, the first failure thrown). */
export const removeFileDirs = (): void => {
  const failures: Array<unknown> = []
  for (const dir of fileDirs.splice(0)) {
    try {
      remove(dir)
    } catch (e) {
      failures.push(e)
    }
  }
  if (failures.length > 0) throw failures[0]
}
