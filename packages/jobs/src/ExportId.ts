/**
 * Export ids: opaque to clients, derived from where the export lives.
 *
 * An export of `did` published as `<out>/<did>/<name>/` has the id
 * base64url(`<did>/<name>`). Queued and running exports get their name when
 * they are requested, so their id never changes, and a restart finds the same
 * id on disk: the directories are the only record.
 *
 * A request-supplied id is checked against a strict pattern, decoded, and the
 * decoded DID and name checked again (and re-encoded to the same text) before
 * anything uses them: no request text reaches a path unvalidated.
 */
import { Did } from "@skyporter/core"

/** The base64url alphabet, no padding; long enough for a 2,048-character DID. */
const ID = /^[A-Za-z0-9_-]{8,2800}$/

/** `YYYY-MM-DD_HH-MM-SS`, optionally `_2` … `_99999` (the core's publish names). */
export const NAME = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})(?:_([2-9]|[1-9]\d{1,4}))?$/

export interface Parts {
  readonly did: string
  /** The export directory's name under `<out>/<did>/`. */
  readonly name: string
}

export const isName = (name: string): boolean => NAME.test(name)

export const encode = (parts: Parts): string => Buffer.from(`${parts.did}/${parts.name}`, "utf8").toString("base64url")

/** The DID and name of a well-formed id; undefined for anything else. */
export const decode = (id: string): Parts | undefined => {
  if (!ID.test(id)) return undefined
  const text = Buffer.from(id, "base64url").toString("utf8")
  const slash = text.indexOf("/")
  if (slash < 0) return undefined
  const did = text.slice(0, slash)
  const name = text.slice(slash + 1)
  if (!Did.isDid(did) || !isName(name)) return undefined
  // One spelling per export: reject ids that decode to the same parts but differ in text.
  return encode({ did, name }) === id ? { did, name } : undefined
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** The name for an export requested at `date` (UTC, to the second), with suffix `n` ≥ 2 when taken. */
export const nameAt = (date: Date, n = 1): string => {
  const base =
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}_` +
    `${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`
  return n === 1 ? base : `${base}_${n}`
}

/** The instant a name stands for, RFC 3339 UTC (`2024-05-01T12:00:00Z`). */
export const createdAt = (name: string): string => {
  const m = NAME.exec(name)!
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`
}

/**
 * A key that sorts names by time, then suffix (`_2` after the plain name),
 * as plain strings.
 */
export const sortKey = (name: string): string => {
  const m = NAME.exec(name)!
  return `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}${pad(Number(m[7] ?? 1), 5)}`
}
