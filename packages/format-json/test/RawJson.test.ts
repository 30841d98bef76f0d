import { describe, expect, it } from "vitest"
import { compactRawJson, indentRawJson } from "../src/index.js"

describe("indentRawJson", () => {
  it("lays out nested containers with 2 spaces per level, starting at the given level", () => {
    expect(indentRawJson('{"a":[1,{"b":2}],"c":"d"}', 0)).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": 2\n    }\n  ],\n  "c": "d"\n}'
    )
    expect(indentRawJson('{"a":[1]}', 2)).toBe('{\n      "a": [\n        1\n      ]\n    }')
  })

  it("writes empty containers as {} and [], also when they hold whitespace", () => {
    expect(indentRawJson("{}", 2)).toBe("{}")
    expect(indentRawJson("[]", 2)).toBe("[]")
    expect(indentRawJson("[ \n\t\r ]", 2)).toBe("[]")
    expect(indentRawJson('{"b":[],"a":{ },"n":[[],[{}]]}', 0)).toBe(
      '{\n  "b": [],\n  "a": {},\n  "n": [\n    [],\n    [\n      {}\n    ]\n  ]\n}'
    )
  })

  it("drops whitespace outside strings, wherever it is", () => {
    const messy = ' \r\n\t{ "a" :\t1 ,\r\n  "b"\n:\n[ true ,false, null ] }\n '
    expect(indentRawJson(messy, 0)).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    false,\n    null\n  ]\n}')
  })

  it("keeps whitespace and punctuation inside strings", () => {
    expect(indentRawJson('{"k":" a , b : [ ] { } \\t "}', 0)).toBe('{\n  "k": " a , b : [ ] { } \\t "\n}')
  })

  it("keeps every escape inside strings as written", () => {
    const escapes = '"caf\\u00e9 \\/ \\u003cb\\u003e \\u0026 \\b\\f\\u0008\\u000c \\u2028 \\ud83d\\ude80 \\"q\\" \\\\"'
    expect(indentRawJson(escapes, 3)).toBe(escapes)
    expect(indentRawJson(`[${escapes},"\\\\",  "\\\\\\""]`, 0)).toBe(`[\n  ${escapes},\n  "\\\\",\n  "\\\\\\""\n]`)
  })

  it("keeps raw non-ASCII inside strings, including U+2028 and <>&", () => {
    const s = '"raw \u2028 \u2029 <>& é 🚀"'
    expect(indentRawJson(`{"x":${s}}`, 0)).toBe(`{\n  "x": ${s}\n}`)
  })

  it("keeps number spellings", () => {
    const numbers = ["1.0", "1e5", "-0", "1E+2", "0.000001", "12345678901234567890", "-1.5e-7", "0", "1E-2"]
    expect(indentRawJson(`[${numbers.join(",")}]`, 0)).toBe(`[\n  ${numbers.join(",\n  ")}\n]`)
  })

  it("keeps key order and duplicate keys", () => {
    expect(indentRawJson('{"10":1,"2":2,"1":3,"dup":1,"dup":2}', 0)).toBe(
      '{\n  "10": 1,\n  "2": 2,\n  "1": 3,\n  "dup": 1,\n  "dup": 2\n}'
    )
  })

  it("writes scalars as they are", () => {
    expect(indentRawJson("null", 2)).toBe("null")
    expect(indentRawJson(" true ", 2)).toBe("true")
    expect(indentRawJson("-1.5e-7", 2)).toBe("-1.5e-7")
    expect(indentRawJson('"s"', 2)).toBe('"s"')
  })

  it("handles deep nesting", () => {
    const depth = 200
    const text = "[".repeat(depth) + "1" + "]".repeat(depth)
    const out = indentRawJson(text, 0)
    expect(JSON.parse(out)).toEqual(JSON.parse(text))
    expect(out).toContain("\n" + "  ".repeat(depth) + "1\n")
  })

  it("terminates on malformed text without throwing", () => {
    for (const bad of ['{"a": "unterminated', "[1, 2", "}}]]", '"\\', "{,:}", ""]) {
      expect(typeof indentRawJson(bad, 1)).toBe("string")
    }
  })

  it("escapes lone surrogates inside strings", () => {
    expect(indentRawJson('["a\ud800"]', 0)).toBe('[\n  "a\\ud800"\n]')
  })
})

describe("compactRawJson", () => {
  it("drops whitespace outside strings and nothing else", () => {
    expect(compactRawJson(' { "a" : [ 1 , 2 ] ,\n\t"b" : " x y " , "c":{ } }\r\n')).toBe(
      '{"a":[1,2],"b":" x y ","c":{}}'
    )
  })

  it("returns text without whitespace unchanged", () => {
    const t = '{"n":[1.0,1e5,-0],"10":1,"2":2,"dup":1,"dup":2,"s":"\\u00e9\\/\\"\\\\"}'
    expect(compactRawJson(t)).toBe(t)
  })

  it("keeps escapes, raw U+2028 and quotes inside strings", () => {
    const t = '[ "a \\" b" , "\\\\" , "\u2028 \\u2028" ]'
    expect(compactRawJson(t)).toBe('["a \\" b","\\\\","\u2028 \\u2028"]')
  })

  it("writes scalars and empty text", () => {
    expect(compactRawJson(" null ")).toBe("null")
    expect(compactRawJson("")).toBe("")
    expect(compactRawJson("   ")).toBe("")
  })

  it("escapes lone surrogates inside strings", () => {
    expect(compactRawJson('[ "\udc00" ]')).toBe('["\\udc00"]')
  })
})
