#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace into one line, "N passed, N failed".
// A workspace with a test script but no report (its runner crashed) counts as a failure.
// --slowest N also lists the N slowest test files (to stderr), to find what slows the loop;
// --quiet prints only that list.
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

const flag = (name) => process.argv.indexOf(name)
const slowest = flag("--slowest") < 0 ? 0 : Number(process.argv[flag("--slowest") + 1])
const quiet = flag("--quiet") >= 0

let passed = 0
let failed = 0
const problems = []
const files = []
for (const dir of workspaces) {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))
  if (!pkg.scripts?.test) continue
  const report = path.join(dir, "test-results", "vitest.json")
  // A package tested with node's own runner (no dependencies at all) leaves a TAP report instead.
  const tap = path.join(dir, "test-results", "node-test.tap")
  if (!existsSync(report) && existsSync(tap)) {
    const text = readFileSync(tap, "utf8")
    const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, "m"))?.[1] ?? 0)
    passed += count("pass")
    failed += count("fail") + count("cancelled")
    continue
  }
  if (!existsSync(report)) {
    failed++
    problems.push(`${pkg.name}: no test report (the test run did not finish)`)
    continue
  }
  const r = JSON.parse(readFileSync(report, "utf8"))
  passed += r.numPassedTests ?? 0
  failed += r.numFailedTests ?? 0
  for (const file of r.testResults ?? []) {
    files.push({
      name: path.relative(root, file.name),
      ms: file.endTime - file.startTime,
      tests: (file.assertionResults ?? []).length
    })
    // Files that failed to load report no tests but do fail.
    if (file.status === "failed" && (file.assertionResults ?? []).length === 0) {
      failed++
      problems.push(
        `${pkg.name}: ${path.relative(dir, file.name)} failed to run: ${String(file.message).split("\n")[0]}`
      )
    }
  }
}
if (slowest > 0) {
  files.sort((a, b) => b.ms - a.ms)
  const total = files.reduce((sum, f) => sum + f.ms, 0)
  process.stderr.write(`slowest test files (of ${files.length}, ${(total / 1000).toFixed(0)} s in all):\n`)
  for (const f of files.slice(0, slowest)) {
    process.stderr.write(`${(f.ms / 1000).toFixed(1).padStart(8)} s  ${f.name} (${f.tests} tests)\n`)
  }
}
if (quiet) process.exit(0)
for (const p of problems) process.stderr.write(`${p}\n`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
