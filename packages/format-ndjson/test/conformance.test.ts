/** The ndjson plugin against the format-plugin conformance suite of @skyporter/testkit. */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import { ndjsonFormat } from "../src/index.js"

formatConformance(ndjsonFormat, {
  // One LF-terminated line per post, each a JSON object of that post.
  check: (bytes, posts) => {
    const text = bytes.toString("utf8")
    const lines = text === "" ? [] : text.slice(0, -1).split("\n")
    expect(text === "" || text.endsWith("\n")).toBe(true)
    expect(lines.map((line) => (JSON.parse(line) as { uri: string }).uri)).toEqual(posts.map((p) => p.uri))
  }
})
