#!/usr/bin/env node
// `npm run demo`: seeds ./demo/archive.db with 50,000 synthetic posts when it is
// missing, then exports them to JSON and CSV with the real CLI, progress on stderr.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const cli = path.join(root, "apps/cli/bin/skyporter.js")
const demo = path.join(root, "demo")
const db = path.join(demo, "archive.db")
const out = path.join(demo, "exports")
const did = "did:plc:skyporterdemo22222222222"

const skyporter = (args, capture = false) => {
  const r = spawnSync(process.execPath, [cli, ...args], {
    stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"],
    encoding: "utf8"
  })
  if (r.status !== 0) {
    process.stderr.write(`demo: skyporter ${args[0]} exited with ${r.status ?? r.signal}\n`)
    process.exit(r.status ?? 1)
  }
  return r.stdout?.trim()
}

mkdirSync(demo, { recursive: true })
if (!existsSync(db)) {
  process.stderr.write(`demo: seeding ${path.relative(process.cwd(), db)} with 50,000 posts…\n`)
  skyporter(["seed", "--db", db, "--posts", "50000", "--did", did], true)
}
const written = []
for (const format of ["json", "csv"]) {
  written.push(skyporter(["export", "--db", db, "--did", did, "--format", format, "--out", out], true))
}
process.stdout.write(`\nDemo exports:\n${written.map((p) => `  ${p}`).join("\n")}\n`)
