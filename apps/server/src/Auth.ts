/**
 * Bearer tokens from an auth file:
 *
 * ```json
 * {"tokens": [{"token": "…", "did": "did:plc:…"}, {"token": "…", "did": "*"}]}
 * ```
 *
 * A token bound to a DID acts only on that DID's exports; `"*"` on all.
 * Tokens are kept as SHA-256 digests and compared in constant time against
 * every entry; they are never logged or echoed.
 */
import { Did, InvalidRequest } from "@skyporter/core"
import type { JobManager } from "@skyporter/jobs"
import { Effect, Schema } from "effect"
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { readFileSync } from "node:fs"
import { describeIssue } from "./Http.js"

export const AuthFile = Schema.Struct({
  tokens: Schema.Array(Schema.Struct({ token: Schema.String, did: Schema.String }))
})
export type AuthFile = typeof AuthFile.Type

export interface Auth {
  /** The caller of a request with this Authorization header, or undefined (401). */
  readonly check: (authorization: string | undefined) => JobManager.Access | undefined
}

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest()

/** Tokens: printable ASCII without spaces (they travel in a header). */
const TOKEN = /^[\x21-\x7e]{1,4096}$/

/** The shortest token accepted: tokens are what let the server listen beyond loopback. */
export const MIN_TOKEN_LENGTH = 16

/** Checks a decoded auth file; the messages name entries by position, never by token. */
export const make = (file: AuthFile, display: string): Effect.Effect<Auth, InvalidRequest> =>
  Effect.gen(function* () {
    const fail = (message: string) => new InvalidRequest({ field: "auth", message: `${display}: ${message}` })
    if (file.tokens.length === 0) return yield* fail("no tokens: nobody could use the server")
    const seen = new Set<string>()
    const entries: Array<{ readonly digest: Buffer; readonly did: string }> = []
    for (const [i, entry] of file.tokens.entries()) {
      if (!TOKEN.test(entry.token)) {
        return yield* fail(`tokens[${i}].token must be 1 to 4096 printable ASCII characters without spaces`)
      }
      if (entry.token.length < MIN_TOKEN_LENGTH) {
        return yield* fail(
          `tokens[${i}].token is ${entry.token.length} characters long: a token must have at least ` +
            `${MIN_TOKEN_LENGTH}, or it can be guessed (e.g. 32 random hex digits: openssl rand -hex 16)`
        )
      }
      if (entry.did !== "*" && !Did.isDid(entry.did)) {
        return yield* fail(
          `tokens[${i}].did must be a DID such as did:plc:abcdefghijklmnopqrstuvwx, or "*" for every account`
        )
      }
      const d = digest(entry.token)
      const key = d.toString("hex")
      if (seen.has(key)) return yield* fail(`tokens[${i}] repeats an earlier token`)
      seen.add(key)
      entries.push({ digest: d, did: entry.did })
    }
    return {
      check: (authorization) => {
        const m = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(authorization ?? "")
        // Always the same work, whether the header is missing, malformed or wrong.
        const presented = digest(m?.[1] ?? "")
        let match: string | undefined
        for (const entry of entries) {
          if (timingSafeEqual(entry.digest, presented) && m !== null) match ??= entry.did
        }
        return match === undefined ? undefined : { did: match }
      }
    } satisfies Auth
  })

/** Reads and checks an auth file; InvalidRequest (field "auth") says what is wrong and where. */
export const load = (path: string): Effect.Effect<Auth, InvalidRequest> =>
  Effect.gen(function* () {
    const fail = (message: string) => new InvalidRequest({ field: "auth", message: `--auth ${path}: ${message}` })
    let text: string
    try {
      text = readFileSync(path, "utf8")
    } catch (e) {
      return yield* fail(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return yield* fail(`not valid JSON; expected {"tokens":[{"token":"…","did":"did:plc:…"}]}`)
    }
    const file = yield* Schema.decodeUnknownEffect(AuthFile)(json, { onExcessProperty: "error" }).pipe(
      Effect.mapError((e) =>
        fail(`${describeIssue(e.issue, "the auth file")}; expected {"tokens":[{"token":"…","did":"did:plc:…"}]}`)
      )
    )
    return yield* make(file, `--auth ${path}`)
  })

/**
 * Short-lived download links: a browser cannot put an Authorization header
 * on a plain link, so an authorised caller asks for a link that carries a
 * signed ticket for one export, valid for `TICKET_SECONDS`. The key is new
 * for every server process.
 */
export const TICKET_SECONDS = 60

export interface Tickets {
  readonly issue: (id: string) => { readonly ticket: string; readonly expiresAt: Date }
  readonly verify: (id: string, ticket: string) => boolean
}

export const makeTickets = (now: () => number = Date.now): Tickets => {
  const key = randomBytes(32)
  const mac = (id: string, expires: number) =>
    createHmac("sha256", key).update(`download\n${id}\n${expires}`).digest("base64url")
  return {
    issue: (id) => {
      const expires = Math.floor(now() / 1000) + TICKET_SECONDS
      return { ticket: `${expires}.${mac(id, expires)}`, expiresAt: new Date(expires * 1000) }
    },
    verify: (id, ticket) => {
      const m = /^(\d{10,12})\.([A-Za-z0-9_-]{43})$/.exec(ticket)
      if (m === null) return false
      const expires = Number(m[1])
      if (expires * 1000 < now()) return false
      return timingSafeEqual(Buffer.from(m[2]!), Buffer.from(mac(id, expires)))
    }
  }
}
