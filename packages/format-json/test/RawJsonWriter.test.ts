/**
 * The one-pass check and layout against the two it replaces: `JSON.parse`
 * decides what is well-formed, `indentRawJson` what the bytes are.
 */
import { ByteWriter } from "@skyporter/core/ByteWriter"
import { describe, expect, it } from "vitest"
import { writeIndented } from "../src/RawJsonWriter.js"
import * as PostWriter from "../src/PostWriter.js"
import { renderPost } from "../src/PostJson.js"
import { post } from "./helpers.js"
import { expectTextAgrees, fuzzProperties } from "./raw-json-properties.js"

describe("writeIndented", () => {
  for (const { name, assertRuns, runs } of fuzzProperties.filter((f) => f.writer === "writeIndented")) {
    it(`${name}`, () => assertRuns(runs))
  }

  it("follows JSON.parse on numbers, literals, escapes and whitespace", () => {
    const cases = [
      // numbers
      "0",
      "-0",
      "1",
      "-1",
      "10",
      "01",
      "-01",
      "1.5",
      "1.",
      ".5",
      "-.5",
      "1e5",
      "1E+5",
      "1e-5",
      "1e",
      "1e+",
      "1.5e3",
      "1.5E-3.2",
      "--1",
      "+1",
      "-",
      "0x10",
      "1_000",
      "Infinity",
      "NaN",
      "1e400",
      "12345678901234567890",
      // literals
      "true",
      "false",
      "null",
      "tru",
      "nul",
      "True",
      "NULL",
      "truex",
      "true false",
      "[true,false,null]",
      "[truee]",
      // strings and escapes
      '""',
      '"a"',
      '"\\""',
      '"\\\\"',
      '"\\/"',
      '"\\b\\f\\n\\r\\t"',
      '"\\u00e9"',
      '"\\u00E9"',
      '"\\u00g9"',
      '"\\u00e"',
      '"\\x41"',
      '"\\a"',
      '"\\',
      '"abc',
      '"a\nb"',
      '"a\u0000b"',
      '"a\u001fb"',
      '"a\u007fb"',
      '"\u2028\u2029"',
      '"é 🚀 中"',
      '"\ud800"',
      '"\udc00x"',
      '"\ud83d\ude80"',
      "'single'",
      // structure and whitespace
      "",
      " ",
      "{}",
      "[]",
      "{ }",
      "[\n]",
      "{]",
      "[}",
      "[1,]",
      "[,1]",
      '{"a":1,}',
      '{"a"}',
      '{"a":}',
      "{a:1}",
      '{"a" : 1 , "b":[ ]}',
      "[1 2]",
      "[1,,2]",
      " \t\n\r[1]\r\n\t ",
      "\u00a0[1]",
      "\ufeff[1]",
      "[1]\ufeff",
      "[1]]",
      "[[1]",
      '{"a":{"b":{}}}',
      '{"dup":1,"dup":2}',
      '["a",{"k":[null,{}]}]',
      "1 2",
      "[1]x"
    ]
    for (const text of cases) for (const level of [0, 2]) expectTextAgrees(text, level)
  })

  it("reads deep nesting without recursion", () => {
    const depth = 1500
    expectTextAgrees("[".repeat(depth) + "1" + "]".repeat(depth), 0)
    expectTextAgrees('{"a":'.repeat(depth) + "[]" + "}".repeat(depth), 1)
    expectTextAgrees("[".repeat(depth) + "1" + "]".repeat(depth - 1), 0)
  })

  it("leaves what was written before a text it rejects, and continues after it", () => {
    const out = new ByteWriter()
    expect(writeIndented(out, "[1,", 0)).toBe(false)
    expect(out.length).toBe(0)
    expect(writeIndented(out, "[1]", 0)).toBe(true)
    expect(Buffer.from(out.view()).toString("utf8")).toBe("[\n  1\n]")
  })

  it("grows the buffer for long texts and for lone surrogates written as escapes", () => {
    const long = JSON.stringify({ text: "é".repeat(400_000), lone: "\ud800".repeat(300_000), list: [1, 2, 3] })
    expectTextAgrees(long, 2)
  })
})

describe("PostWriter and stored JSON", () => {
  /** A RawJson whose `valid` counts how often the format asked the core. */
  const counted = (text: string, valid: boolean) => {
    const raw = {
      text,
      reads: 0,
      get valid() {
        raw.reads++
        return valid
      }
    }
    return raw
  }

  it("asks the core only about text it cannot lay out itself", () => {
    const good = counted('{"a": [1, {"b": "é"}]}', true)
    const bad = counted("{broken", false)
    const p = post({ embedData: good, labels: bad })
    const out = new PostWriter.ByteWriter()
    PostWriter.post(out, p)
    expect([good.reads, bad.reads]).toEqual([0, 1])
    expect(Buffer.from(out.view()).equals(Buffer.from(renderPost(p, 1), "utf8"))).toBe(true)
    expect(Buffer.from(out.view()).toString("utf8")).toContain('"labels": "{broken"')
  })
})
