// The functions with the most self time in a V8 CPU profile (node --cpu-prof).
// Usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [count=15] [--window FUNCTION]
// With --window, only the samples from the first to the last one taken with
// FUNCTION on the stack count (garbage collection in between included), so
// that a benchmark's set-up does not show.
import { readFileSync } from "node:fs"
import { basename } from "node:path"

const args = process.argv.slice(2)
const windowAt = args.indexOf("--window")
const windowFunction = windowAt < 0 ? undefined : args.splice(windowAt, 2)[1]
const [file, countArg] = args
const count = Number(countArg ?? 15)
if (file === undefined) {
  console.error("usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [count] [--window FUNCTION]")
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, "utf8"))

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const onStack = (id, name) => {
  for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.functionName === name) return true
  return false
}

let first = 0
let last = profile.samples.length - 1
if (windowFunction !== undefined) {
  first = profile.samples.findIndex((id) => onStack(id, windowFunction))
  last = profile.samples.findLastIndex((id) => onStack(id, windowFunction))
  if (first < 0) {
    console.error(`no sample has ${windowFunction} on the stack`)
    process.exit(1)
  }
}

// Self time of a function = the time deltas of the samples taken while it was on top of the stack.
const self = new Map()
let total = 0
for (let i = first; i <= last; i++) {
  const delta = profile.timeDeltas[i] ?? 0
  const { functionName, url, lineNumber } = byId.get(profile.samples[i]).callFrame
  const key = `${functionName || "(anonymous)"} ${url ? `${basename(url)}:${lineNumber + 1}` : ""}`.trim()
  self.set(key, (self.get(key) ?? 0) + delta)
  total += delta
}

console.log(
  `${(total / 1e3).toFixed(0)} ms sampled${windowFunction === undefined ? "" : ` (window: ${windowFunction})`}`
)
console.log("")
console.log("| self ms | self % | function |")
console.log("|---:|---:|---|")
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, count)) {
  console.log(`| ${(us / 1e3).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | ${key} |`)
}
