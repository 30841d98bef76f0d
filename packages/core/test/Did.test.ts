import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Did from "../dist/Did.js"

const failure = (value: string): string => {
  const exit = Effect.runSync(Effect.exit(Did.validate(value)))
  if (Exit.isSuccess(exit)) throw new Error(`${value} was accepted`)
  const error = Cause.squash(exit.cause) as { _tag: string; field: string; message: string }
  expect(error._tag).toBe("InvalidRequest")
  expect(error.field).toBe("did")
  return error.message
}

// The valid and invalid examples of the AT Protocol's DID syntax (atproto.com/specs/did).
const VALID = [
  "did:plc:z72i7hdynmk6r22z27h6tvur",
  "did:web:blueskyweb.xyz",
  "did:method:val",
  "did:method:VAL",
  "did:method:val123",
  "did:method:123",
  "did:method:val-two",
  "did:method:val_two",
  "did:method:val.two",
  "did:method:val:two",
  "did:method:val%BB",
  "did:method:" + "v".repeat(240),
  "did:m:v",
  "did:method::::val",
  "did:method:-",
  "did:method:-:_:.",
  "did:method:-:_:.:%ab",
  "did:method:.",
  "did:method:_",
  "did:method::.",
  "did:onion:2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid",
  "did:example:123456789abcdefghi",
  "did:plc:7iza6de2dwap2sbkpav7c6c6",
  "did:web:example.com",
  "did:web:localhost%3A1234",
  "did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N",
  "did:ethr:0xb9c5714089478a327f09197987f16f9e5d936e8a"
]

const INVALID: ReadonlyArray<readonly [string, RegExp]> = [
  ["did", /starts with "did:"/],
  ["didmethodval", /starts with "did:"/],
  ["method:did:val", /starts with "did:"/],
  ["did:method:", /identifier after the method is empty/],
  ["didmethod:val", /starts with "did:"/],
  ["did:methodval)", /method/],
  [":did:method:val", /starts with "did:"/],
  ["did.method.val", /starts with "did:"/],
  ["did:method:val:", /cannot end in ":"/],
  ["did:method:val%", /percent-escape/],
  ["DID:method:val", /starts with "did:"/],
  ["did:METHOD:val", /lowercase letters/],
  ["did:m123:val", /lowercase letters/],
  ["did:method:val/two", /"\/" is not allowed/],
  ["did:method:val?two", /"\?" is not allowed/],
  ["did:method:val#two", /"#" is not allowed/],
  ["did:method:val%G1", /percent-escape/],
  ["did:method:val%1", /percent-escape/],
  ["did::val", /lowercase letters/],
  ["did:method:vål", /"å" is not allowed/],
  ["did:method:val two", /" " is not allowed/],
  ["did:method:val\u0000", /not allowed/],
  ["", /starts with "did:"/],
  ["did:method:" + "v".repeat(2048), /at most 2048/]
]

describe("Did.isDid and Did.validate", () => {
  it.each(VALID)("accepts %s", (did) => {
    expect(Did.isDid(did)).toBe(true)
    expect(Effect.runSync(Did.validate(did))).toBe(did)
  })

  it.each(INVALID)("refuses %j, saying why", (did, why) => {
    expect(Did.isDid(did)).toBe(false)
    const message = failure(did)
    expect(message).toMatch(why)
    expect(message).toMatch(/expected did:<method>:<id>/)
  })

  it("takes the whole 2 KB the spec allows as syntax", () => {
    expect(Did.isDid("did:web:" + "a".repeat(2040))).toBe(true)
    expect(Did.isDid("did:web:" + "a".repeat(2041))).toBe(false)
  })

  it("refuses a valid DID too long to name its export folder (255 bytes), without a path in the message", () => {
    const longest = "did:plc:" + "a".repeat(247)
    expect(Buffer.byteLength(longest)).toBe(255)
    expect(Effect.runSync(Did.validate(longest))).toBe(longest)
    const tooLong = "did:plc:" + "a".repeat(248)
    expect(Did.isDid(tooLong)).toBe(true)
    const message = failure(tooLong)
    expect(message).toMatch(
      /is 256 bytes long: its export folder is named after it, and folder names are limited to 255 bytes/
    )
    expect(message).not.toMatch(/\//)
  })
})
