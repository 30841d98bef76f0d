// Run by vitest before each test file, even with `isolate: false` (a setup file is evaluated
// again for every file): the folders a file made outside its tests go after its last test.
import { afterAll } from "vitest"
import { removeFileDirs } from "./tempDir.mts"

// What the worker's previous file left: one whose collection failed runs no afterAll, and a
// failing afterAll of its own stops the ones after it.
removeFileDirs()
afterAll(removeFileDirs)
