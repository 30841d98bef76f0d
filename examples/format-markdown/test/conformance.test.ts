/** The conformance suite every skyporter format plugin runs: one call per set of options. */
import { formatConformance } from "@skyporter/testkit/conformance"
import { expect } from "vitest"
import markdownPlugin from "../src/index.js"

/** One "## " section per post, and nothing else at that level. */
const oneSectionPerPost = (bytes: Buffer, posts: ReadonlyArray<unknown>) =>
  expect(bytes.toString("utf8").split("\n## ").length - 1).toBe(posts.length)

formatConformance(markdownPlugin, { check: oneSectionPerPost, endsWithNewline: true })

formatConformance(markdownPlugin, { options: { title: "My *archive*", links: false }, check: oneSectionPerPost })
