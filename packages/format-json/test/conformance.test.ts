/** The json plugin against the format-plugin conformance suite of @skyporter/testkit. */
import { formatConformance } from "@skyporter/testkit/conformance"
import { jsonFormat } from "../src/index.js"

formatConformance(jsonFormat, {
  check: (bytes, posts) => {
    const parsed = JSON.parse(bytes.toString("utf8")) as Array<{ uri: string }>
    if (parsed.length !== posts.length || parsed.some((p, i) => p.uri !== posts[i]!.uri)) {
      throw new Error("posts.json does not hold the exported posts in order")
    }
  }
})
