import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { booleanOption, effectSink, isStandardSchema, noOptions, optionsSchema } from "../src/index.js"

const validate = (schema: { "~standard": { validate: (v: unknown) => unknown } }, value: unknown) =>
  schema["~standard"].validate(value)

describe("optionsSchema", () => {
  const schema = optionsSchema<{ loud: boolean }>(["loud"], (input) => {
    const issues: Array<{ message: string; path: Array<PropertyKey> }> = []
    const loud = booleanOption(input, "loud", false, issues)
    return issues.length > 0 ? { issues } : { value: { loud } }
  })

  it("is a Standard Schema that fills in defaults", () => {
    expect(isStandardSchema(schema)).toBe(true)
    expect(validate(schema, {})).toEqual({ value: { loud: false } })
    expect(validate(schema, { loud: true })).toEqual({ value: { loud: true } })
  })

  it("reports unknown keys and bad values together", () => {
    expect(validate(schema, { lound: 1, loud: "yes" })).toEqual({
      issues: [
        { message: "unknown option (allowed: loud)", path: ["lound"] },
        { message: 'expected true or false, got "yes"', path: ["loud"] }
      ]
    })
    expect(validate(schema, [])).toEqual({ issues: [{ message: "the options must be an object of KEY: VALUE" }] })
  })

  it("noOptions rejects every key", () => {
    expect(validate(noOptions, {})).toEqual({ value: {} })
    expect(validate(noOptions, { x: 1 })).toEqual({
      issues: [{ message: "unknown option (this format takes no options)", path: ["x"] }]
    })
  })

  it("effect's Schema.toStandardSchemaV1 fits the same interface", () => {
    const s = Schema.toStandardSchemaV1(Schema.Struct({ n: Schema.Number }))
    expect(isStandardSchema(s)).toBe(true)
    expect(isStandardSchema(Schema.Struct({ n: Schema.Number }))).toBe(false)
  })
})

describe("effectSink", () => {
  it("runs each step with the plugin's own runner", async () => {
    const sink = effectSink(Effect.runPromise, {
      start: Effect.succeed("["),
      write: (batch, { offset }) => Effect.sync(() => `${offset}:${batch.length}`),
      end: Effect.succeed("]")
    })
    expect(await sink.start?.()).toBe("[")
    expect(await sink.write([], { offset: 3 })).toBe("3:0")
    expect(await sink.end?.()).toBe("]")
    expect(effectSink(Effect.runPromise, { write: () => Effect.succeed("") }).start).toBeUndefined()
  })
})
