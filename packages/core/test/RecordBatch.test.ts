import { describe, expect, it } from "vitest"
import * as Post from "../dist/Post.js"
import { FIELDS, FieldKind, fromRows } from "../dist/RecordBatch.js"

const row = (fields: Record<number, unknown>): Array<unknown> => {
  const values: Array<unknown> = [
    "at://did:plc:a/app.bsky.feed.post/1",
    "bafy",
    "did:plc:a",
    "hi",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z",
    0,
    1,
    2,
    3,
    4,
    0,
    null,
    "",
    null,
    null,
    null
  ]
  for (const [at, value] of Object.entries(fields)) values[Number(at)] = value
  return values
}

describe("RecordBatch", () => {
  it("holds each value by its storage class: text as UTF-8 bytes, exact integers as numbers, the rest for post(i)", () => {
    const batch = fromRows(
      [row({ 3: "é🙂", 7: 2 ** 60, 8: "9007199254740993", 9: 1.5, 14: Buffer.from("{}"), 13: "\ud800" })],
      (r, i) => Post.decodeRow(r, () => {}, i)
    )
    expect(batch.length).toBe(1)
    const text = (f: number) => Buffer.from(batch.bytes.subarray(batch.starts[f], batch.ends[f])).toString("utf8")
    expect([batch.kinds[0], text(0)]).toEqual([FieldKind.Text, "at://did:plc:a/app.bsky.feed.post/1"])
    expect([batch.kinds[3], text(3)]).toEqual([FieldKind.Text, "é🙂"])
    expect([batch.kinds[6], batch.numbers[6]]).toEqual([FieldKind.Integer, 0])
    // Past 2^53, a count selected as its text, a REAL, a BLOB and a lone surrogate are only in post(i).
    expect([7, 8, 9, 13, 14].map((f) => batch.kinds[f])).toEqual(Array(5).fill(FieldKind.Other))
    expect([12, 15, 16].map((f) => batch.kinds[f])).toEqual(Array(3).fill(FieldKind.Null))
    expect(batch.kinds.length).toBeGreaterThanOrEqual(FIELDS)
  })

  it("decodes a post once however often a sink asks for it, and counts its warnings once", () => {
    const warnings: Array<string> = []
    let decoded = 0
    const batch = fromRows([row({ 7: null }), row({})], (r, i) => {
      decoded++
      return Post.decodeRow(r, (m) => warnings.push(m), i)
    })
    const first = batch.post(0)
    expect(batch.post(0)).toBe(first)
    expect(first.likeCount).toBe("0")
    expect(decoded).toBe(1)
    expect(warnings).toHaveLength(1)
    expect(() => batch.post(2)).toThrow(RangeError)
  })
})
