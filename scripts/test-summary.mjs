#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace into one line, "N passed, N failed".
// A workspace with a test script but no report (its runner crashed) counts as a failure.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..")
const rootPkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"))

const workspaces = []
for (const pattern of rootPkg.workspaces) {
  const base = path.join(root, pattern.replace(/\/\*$/, ""))
  if (!existsSync(base)) continue
  for (const name of readdirSync(base)) {
    const dir = path.join(base, name)
    if (existsSync(path.join(dir, "package.json"))) workspaces.push(dir)
  }
}

let passed = 0
let failed = 0
const problems = []
for (const dir of workspaces) {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))
  if (!pkg.scripts?.test) continue
  const report = path.join(dir, "test-results", "vitest.json")
  if (!existsSync(report)) {
    failed++
    problems.push(`${pkg.name}: no test report (the test run did not finish)`)
    continue
  }
  const r = JSON.parse(readFileSync(report, "utf8"))
  passed += r.numPassedTests ?? 0
  failed += r.numFailedTests ?? 0
  // Files that failed to load report no tests but do fail.
  for (const file of r.testResults ?? []) {
    if (file.status === "failed" && (file.assertionResults ?? []).length === 0) {
      failed++
      problems.push(`${pkg.name}: ${path.relative(dir, file.name)} failed to run: ${String(file.message).split("\n")[0]}`)
    }
  }
}
for (const p of problems) process.stderr.write(`${p}\n`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
