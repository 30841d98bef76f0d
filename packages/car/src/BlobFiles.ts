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
  /** Removes the files and folders this import created (after a failure). */
  readonly undo: () => void
}

const sha256Hex = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

export const make = (blobsDir: string | undefined, archiveDir: string): BlobFiles => {
  const created: Array<string> = []
  /** Folders made for the files, in the order they were made. */
  const folders: Array<string> = []
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
    const first = fs.mkdirSync(path.dirname(target), { recursive: true })
    if (first !== undefined) {
      const made: Array<string> = []
      for (let d = path.dirname(target); d.length >= first.length; d = path.dirname(d)) made.unshift(d)
      folders.push(...made)
    }
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
    // Deepest first; a folder something else has put a file in meanwhile stays.
    for (const folder of folders.splice(0).reverse()) {
      try {
        fs.rmdirSync(folder)
      } catch {
        // not empty, or already gone
      }
    }
  }
  return { place, undo }
}
