/**
 * Puts image blob files where bskyarchive keeps media: `media/…` beside the
 * archive, at each media row's `file_path`. Blobs come from a folder of
 * files named by CID (as `goat blob export` writes them); each is checked
 * against its CID before it is copied (a copy-on-write clone where the
 * filesystem has one), and lands under a temporary name first, so a file at
 * a media path is always whole. Files this import created are listed, so a
 * failed import can take them away again.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { MediaRow } from "./PostRecord.js"

export type Outcome = "copied" | "present" | "absent" | "mismatch"

export interface BlobFiles {
  /** Copies the row's blob into place unless it is already there. */
  readonly place: (row: MediaRow) => Outcome
  /** Removes the files this import created (after a failure). */
  readonly undo: () => void
}

const sha256Hex = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

export const make = (blobsDir: string | undefined, archiveDir: string): BlobFiles => {
  const created: Array<string> = []
  const place = (row: MediaRow): Outcome => {
    const target = path.join(archiveDir, row.file_path)
    if (fs.existsSync(target)) return "present"
    if (blobsDir === undefined) return "absent"
    const source = path.join(blobsDir, row.blob)
    let stat: fs.Stats
    try {
      stat = fs.statSync(source)
    } catch {
      return "absent"
    }
    if (!stat.isFile()) return "absent"
    if (sha256Hex(source) !== row.hash) return "mismatch"
    fs.mkdirSync(path.dirname(target), { recursive: true })
    const temp = `${target}.skyporter-tmp-${process.pid}`
    try {
      fs.copyFileSync(source, temp, fs.constants.COPYFILE_FICLONE)
      fs.renameSync(temp, target)
    } catch (e) {
      fs.rmSync(temp, { force: true })
      throw e
    }
    created.push(target)
    return "copied"
  }
  const undo = () => {
    for (const file of created.splice(0)) fs.rmSync(file, { force: true })
  }
  return { place, undo }
}
