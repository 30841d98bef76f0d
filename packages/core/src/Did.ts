/**
 * DIDs as the export selects them: an exact, case-sensitive match on
 * `posts.did`, validated against the W3C DID syntax before any query or path.
 */
import * as Effect from "effect/Effect"
import { InvalidRequest } from "./Errors.js"

// did:<method>:<method-specific-id>; the id never contains "/" or NUL, so a
// DID is always safe as one path segment.
const DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]$/

export const MAX_LENGTH = 2048

export const isDid = (value: string): boolean =>
  value.length <= MAX_LENGTH && DID.test(value) && !value.split(":").slice(2).some((s) => s === "." || s === "..")

export const validate = (value: string): Effect.Effect<string, InvalidRequest> =>
  isDid(value)
    ? Effect.succeed(value)
    : Effect.fail(
      new InvalidRequest({
        field: "did",
        message: `invalid DID ${JSON.stringify(value.slice(0, 200))}: expected did:<method>:<id>, ` +
          `e.g. did:plc:abcdefghijklmnopqrstuvwx (letters, digits and . _ : % - only)`
      })
    )
