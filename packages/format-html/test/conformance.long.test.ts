/**
 * The html plugin against the format-plugin conformance suite of @skyporter/testkit with a title
 * (its default options: conformance.test.ts, in the loop; the title on the page: Page.test.ts).
 */
import { formatConformance } from "@skyporter/testkit/conformance"
import { htmlFormat } from "../src/index.js"

formatConformance(htmlFormat, { options: { title: "My <posts>" } })
