// Runs with Node's own test runner (`npm test`): no dependencies to install.
import assert from "node:assert/strict"
import { test } from "node:test"
import plugin, { block } from "../index.js"

const post = (text) => ({
  text,
  createdAt: { text: "2024-05-09T22:10:00Z", valid: true, seconds: "2024-05-09T22:10:00", fraction: "", offset: "Z" }
})

test("options: defaults, and every bad option named", () => {
  const check = plugin.options["~standard"].validate
  assert.deepEqual(check({}), { value: { separator: "---", dates: true } })
  const bad = check({ separator: 4, dates: "no", colour: 1 })
  assert.deepEqual(
    bad.issues.map((i) => i.path[0]),
    ["colour", "separator", "dates"]
  )
})

test("a block per post; the bytes do not depend on batching", () => {
  const options = { separator: "--", dates: false }
  assert.equal(block(post("a\r\nb"), options), "a\nb\n--\n")
  const sink = plugin.make(options, { total: 2 })
  const whole = sink.write([post("x"), post("y")], { offset: 0 })
  assert.equal(sink.write([post("x")], { offset: 0 }) + sink.write([post("y")], { offset: 1 }), whole)
})
