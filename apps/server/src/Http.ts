/**
 * HTTP plumbing shared by the routes: the one error shape
 * (`{"error":{"code","message"}}` with a stable code per status), the
 * security headers, and bounded JSON body reading.
 */
import { Effect, Schema, type SchemaAST, type SchemaIssue, Stream } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/** Every error the API answers with. `code` is stable; `message` is for people. */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  status: Schema.Number,
  code: Schema.String,
  message: Schema.String
}) {}

export const badRequest = (message: string) => new ApiError({ status: 400, code: "invalid_field", message })
export const notFound = (message = "not found") => new ApiError({ status: 404, code: "not_found", message })

export const errorResponse = (error: ApiError, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(
    { error: { code: error.code, message: error.message } },
    { status: error.status, headers }
  )

/** The largest request body accepted. */
export const MAX_BODY_BYTES = 16 * 1024

/** No inline script or style anywhere: the page loads its own files only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

const JSON_TYPE = /^application\/json\s*(?:;|$)/i

/**
 * The request's body as JSON: 415 unless it is `application/json`, 413 past
 * `MAX_BODY_BYTES` (checked on the declared length and on the bytes that
 * arrive), 400 when it is not UTF-8 JSON.
 */
export const readJsonBody = Effect.gen(function* () {
  const request = yield* HttpServerRequest
  const type = request.headers["content-type"]
  if (type === undefined || !JSON_TYPE.test(type)) {
    return yield* new ApiError({
      status: 415,
      code: "unsupported_media_type",
      message:
        `the body must be JSON, sent with "Content-Type: application/json"` +
        (type === undefined ? "" : ` (not ${JSON.stringify(type.slice(0, 100))})`)
    })
  }
  const tooLarge = new ApiError({
    status: 413,
    code: "payload_too_large",
    message: `the body is larger than ${MAX_BODY_BYTES} bytes`
  })
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return yield* tooLarge
  const chunks: Array<Uint8Array> = []
  let size = 0
  yield* request.stream.pipe(
    Stream.mapError(() => new ApiError({ status: 400, code: "invalid_json", message: "the body could not be read" })),
    Stream.runForEach((chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) return Effect.fail(tooLarge)
      chunks.push(chunk)
      return Effect.void
    })
  )
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    return yield* new ApiError({ status: 400, code: "invalid_json", message: "the body is not valid UTF-8" })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    return yield* new ApiError({
      status: 400,
      code: "invalid_json",
      message: `the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`
    })
  }
})

/** The first problem of a schema error, naming the field: `unknown field "x"`, `field "did": expected a string`. */
export const describeIssue = (issue: SchemaIssue.Issue, what: string, input?: unknown): string => {
  const find = (
    i: SchemaIssue.Issue,
    path: ReadonlyArray<PropertyKey>
  ): { path: ReadonlyArray<PropertyKey>; leaf: SchemaIssue.Issue } => {
    switch (i._tag) {
      case "Pointer":
        return find(i.issue, [...path, ...i.path])
      case "Composite":
        return find(i.issues[0], path)
      case "Encoding":
      case "Filter":
        return find(i.issue, path)
      default:
        return { path, leaf: i }
    }
  }
  const { leaf, path } = find(issue, [])
  const field = path.map(String).join(".")
  if (field === "") return `${what} must be a JSON object`
  switch (leaf._tag) {
    case "UnexpectedKey":
      return `unknown field ${JSON.stringify(field)} in ${what}`
    case "MissingKey":
      return `missing field ${JSON.stringify(field)} in ${what}`
    case "InvalidType":
    case "AnyOf":
      return `${field}: expected ${expectedOf(leaf.ast)}${gotOf(input, path)} (in ${what})`
    default: {
      const expected = leaf
        .toString()
        .split("\n")[0]!
        .replace(/^Expected /, "expected ")
      return `${field}: ${expected.includes("[object") ? "invalid value" : expected} (in ${what})`
    }
  }
}

/** The type a schema node expects, in words. */
const expectedOf = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "String":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "a boolean (true or false)"
    case "Objects":
      return "a JSON object"
    case "Arrays":
      return "an array"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union": {
      const members = ast.types.filter((t) => t._tag !== "Undefined").map(expectedOf)
      return members.join(" or ")
    }
    default:
      return "another type"
  }
}

/** What the input at `path` was, in words. */
const gotOf = (input: unknown, path: ReadonlyArray<PropertyKey>): string => {
  let v = input
  for (const key of path) {
    if (v === null || typeof v !== "object") return ""
    v = (v as Record<PropertyKey, unknown>)[key]
  }
  return `, got ${kindOf(v)}`
}

const kindOf = (v: unknown): string => {
  if (v === null) return "null"
  if (Array.isArray(v)) return "an array"
  if (typeof v === "object") return "an object"
  if (typeof v === "string") return "a string"
  if (typeof v === "boolean") return "a boolean"
  if (typeof v === "number") return "a number"
  return typeof v
}

/** Decodes `input` with `schema`, rejecting unknown fields; a 400 naming the field otherwise. */
export const decodeStrict = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  what: string
): Effect.Effect<S["Type"], ApiError> =>
  Schema.decodeUnknownEffect(schema)(input, { onExcessProperty: "error" }).pipe(
    Effect.mapError((e) => badRequest(describeIssue(e.issue, what, input)))
  )
