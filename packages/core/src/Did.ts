/**
 * DIDs as the export selects them: an exact, case-sensitive match on
 * `posts.did`, checked against the AT Protocol's DID syntax
 * (https://atproto.com/specs/did) before any query or path.
 */
import * as Effect from "effect/Effect"
import { InvalidRequest } from "./Errors.js"

// `did:` + a method of lowercase letters + `:` + an identifier of ASCII
// letters, digits, `.`, `_`, `:`, `-` and `%XX` escapes, not ending in `:`.
// Without `/`, NUL or a leading dot, a DID is always safe as one path segment.
const DID = /^did:[a-z]+:(?:[A-Za-z0-9._:-]|%[0-9A-Fa-f]{2})*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$/

/** The spec's limit on a whole DID (2 KB). */
export const MAX_LENGTH = 2048

/** The longest DID an export can be made for: `<out>/<did>/` is one folder name, and names stop at 255 bytes. */
export const MAX_FOLDER_BYTES = 255

/** Whether `value` is a DID by the AT Protocol's syntax. */
export const isDid = (value: string): boolean => value.length <= MAX_LENGTH && DID.test(value)

const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)

/** Why `value` is not a DID, or undefined when it is one. */
const problem = (value: string): string | undefined => {
  if (value.length > MAX_LENGTH) return `it is ${value.length} characters long; a DID has at most ${MAX_LENGTH}`
  if (!value.startsWith("did:")) return 'a DID starts with "did:" (lowercase)'
  const method = /^did:([^:]*)(?::|$)/.exec(value)![1]!
  if (!/^[a-z]+$/.test(method) || !value.slice(4).includes(":")) {
    return "the method (between the first two colons) must be one or more lowercase letters a-z"
  }
  const id = value.slice(5 + method.length)
  if (id === "") return "the identifier after the method is empty"
  const bad = /[^A-Za-z0-9._:%-]/.exec(id)
  if (bad) return `${JSON.stringify(bad[0])} is not allowed (letters, digits and . _ : % - only)`
  if (/%(?![0-9A-Fa-f]{2})/.test(id)) return "% must start a percent-escape of two hex digits, such as %3A"
  if (id.endsWith(":")) return 'a DID cannot end in ":"'
  return undefined
}

/**
 * A DID an export can be made for: valid by the AT Protocol's syntax and
 * short enough to name its export folder (at most 255 bytes).
 */
export const validate = (value: string): Effect.Effect<string, InvalidRequest> => {
  const why = isDid(value) ? undefined : (problem(value) ?? "it does not follow the DID syntax")
  if (why !== undefined) {
    return Effect.fail(
      new InvalidRequest({
        field: "did",
        message: `invalid DID ${shown(
          value
        )}: ${why}; expected did:<method>:<id>, e.g. did:plc:abcdefghijklmnopqrstuvwx`
      })
    )
  }
  const bytes = Buffer.byteLength(value, "utf8")
  if (bytes > MAX_FOLDER_BYTES) {
    return Effect.fail(
      new InvalidRequest({
        field: "did",
        message:
          `DID ${shown(value)} is ${bytes} bytes long: its export folder is named after it, ` +
          `and folder names are limited to ${MAX_FOLDER_BYTES} bytes`
      })
    )
  }
  return Effect.succeed(value)
}
