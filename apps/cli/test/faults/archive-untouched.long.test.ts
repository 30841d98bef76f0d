/**
 * archive-untouched.test.ts's proof on an archive in rollback-journal mode (the loop runs it in
 * WAL mode): after an export, every row of every table is what it was, and the schema differs
 * only by `idx_posts_skyporter_export_order`; a second export changes nothing more.
 */
import { describe, it } from "vitest"
import { useTempDir } from "../support.js"
import { expectOnlyTheIndexAdded } from "./untouched.js"

const temp = useTempDir()

describe("the archive after an export", () => {
  it(
    "rollback journal: same rows in every table, the schema plus only the export index",
    () => expectOnlyTheIndexAdded(temp.dir, false),
    120_000
  )
})
