/**
 * An export reads one snapshot: while it runs (slow test plugin, many small
 * batches) a second connection inserts, deletes and updates posts of the
 * same DID in a WAL archive, and the file still holds exactly the rows
 * present when the export started — same set, same order, same texts, no
 * duplicates — with post_count equal to the posts in the file. In json here;
 * in csv: snapshot.long.test.ts (the proof: snapshot-writer.ts).
 */
import { describe, it } from "vitest"
import { expectSnapshotHeld } from "./snapshot-writer.js"
import { useTempDir } from "./support.js"

const temp = useTempDir()

describe("snapshot isolation against a concurrent writer", () => {
  it("json: the file holds exactly the rows present at the start", () => expectSnapshotHeld(temp.dir, "json"), 240_000)
})
