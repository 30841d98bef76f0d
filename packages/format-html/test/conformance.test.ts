/**
 * The html plugin against the format-plugin conformance suite of @skyporter/testkit, with its
 * default options (with a title: conformance.long.test.ts).
 */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import { htmlFormat } from "../src/index.js"

const uris = (bytes: Buffer): Array<string> =>
  [...bytes.toString("utf8").matchAll(/<script type="application\/json" class="posts">([^<]*)<\/script>/g)].flatMap(
    (m) => (JSON.parse(m[1]!) as Array<[string]>).map((p) => p[0])
  )

formatConformance(htmlFormat, {
  // Every post once, in export order, in the data blocks; the page always ends.
  check: (bytes, posts) => {
    expect(uris(bytes)).toEqual(posts.map((p) => p.uri))
    expect(bytes.toString("utf8").endsWith("</body>\n</html>\n")).toBe(true)
  }
})
