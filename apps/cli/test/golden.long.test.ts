/**
 * The golden vectors golden.test.ts leaves out of the loop (a date range in csv in batches of 1;
 * it keeps all posts in json in batches of 7), byte for byte through the real CLI.
 */
import { Compat } from "@skyporter/testkit"
import * as path from "node:path"
import { beforeAll, describe } from "vitest"
import { CASES, matchesGolden } from "./golden-cases.js"
import { useTempDir } from "./support.js"

const temp = useTempDir()
const fx = { dir: "", db: "" }

beforeAll(() => {
  fx.dir = temp.dir
  fx.db = path.join(temp.dir, "compat.db")
  Compat.writeCompatArchive(fx.db)
})

describe("golden vectors through the CLI", () => {
  matchesGolden(
    fx,
    CASES.filter((c) => !c.loop)
  )
})
