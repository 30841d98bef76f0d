/**
 * snapshot.test.ts's proof in csv: while an export runs, a second connection inserts, deletes
 * and updates posts of the same DID in a WAL archive, and the file still holds exactly the rows
 * present when the export started (the proof: snapshot-writer.ts).
 */
import { describe, it } from "vitest"
import { expectSnapshotHeld } from "./snapshot-writer.js"
import { useTempDir } from "./support.js"

const temp = useTempDir()

describe("snapshot isolation against a concurrent writer", () => {
  it("csv: the file holds exactly the rows present at the start", () => expectSnapshotHeld(temp.dir, "csv"), 240_000)
})
