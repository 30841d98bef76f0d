#!/usr/bin/env node
// `npm run bench`: the export benchmark (bench.mjs), the server benchmark
// (bench-server.mjs) and the import benchmark (bench-import.mjs), each in its
// own process. All always run, so a missed target still leaves the other
// figures on record; the exit code is 1 when any part missed a target or failed.
import { spawnSync } from "node:child_process"
import * as path from "node:path"

const parts = ["bench.mjs", "bench-server.mjs", "bench-import.mjs"]
const failed = []
for (const part of parts) {
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, part)], { stdio: "inherit" })
  if (r.status !== 0) failed.push(`${part} ${r.status === null ? `killed by ${r.signal}` : `exited ${r.status}`}`)
}
if (failed.length > 0) {
  process.stderr.write(`bench: ${failed.join("; ")}\n`)
  process.exitCode = 1
}
