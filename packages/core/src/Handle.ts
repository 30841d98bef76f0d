/**
 * Handles, the names users know their accounts by: `alice.bsky.social`, also
 * written `@alice.bsky.social`. Checked against the AT Protocol's handle
 * syntax (https://atproto.com/specs/handle) and, as there, without regard to case.
 */

/** The spec's limit on a whole handle. */
export const MAX_LENGTH = 253

// Dot-separated labels of ASCII letters, digits and inner hyphens, 1 to 63
// long; at least two of them, and the last does not start with a digit.
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
const HANDLE = new RegExp(`^(?:${LABEL}\\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

/** The handle `value` names, lowercased and without its `@`; undefined when it is not a handle (a DID is not). */
export const parse = (value: string): string | undefined => {
  const bare = value.startsWith("@") ? value.slice(1) : value
  return bare.length <= MAX_LENGTH && HANDLE.test(bare) ? bare.toLowerCase() : undefined
}
