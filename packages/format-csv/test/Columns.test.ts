import { Timestamp } from "@skyporter/core"
import { Compat } from "@skyporter/testkit"
import { describe, expect, it } from "vitest"
import * as Columns from "../src/Columns.js"
import { post, rawJson, records } from "./support.js"

describe("Columns", () => {
  it("HEADER is the golden header line", () => {
    const golden = Compat.golden("empty.posts.csv").toString("utf8")
    expect(golden).toBe("\uFEFF" + Columns.HEADER.join(",") + "\n")
  })

  it("fills every column in order", () => {
    const p = post({
      uri: "at://u",
      cid: "c",
      did: "did:plc:d",
      text: "t",
      createdAt: Timestamp.decode("2024-06-30T23:59:59.999999999Z"),
      indexedAt: Timestamp.decode("2024-05-13T00:00:00.123456789-03:30"),
      likeCount: "9007199254740993",
      repostCount: "2",
      replyCount: "3",
      quoteCount: "-4",
      isReply: true,
      replyParent: "at://parent",
      hasMedia: true,
      embedType: "images",
      embedData: rawJson(`{"images":[{"fullsize":"https://x/y/bafk@jpeg"}]}`)
    })
    expect(Columns.toRow(p)).toEqual([
      "at://u",
      "c",
      "did:plc:d",
      "t",
      "2024-06-30T23:59:59Z",
      "9007199254740993",
      "2",
      "3",
      "-4",
      "true",
      "at://parent",
      "true",
      "bafk",
      "images",
      "2024-05-13T00:00:00-03:30"
    ])
  })

  it("writes timestamps to the second, keeping the offset", () => {
    const row = (created: string) => Columns.toRow(post({ createdAt: Timestamp.decode(created) }))[4]
    expect(row("2024-01-15T10:30:00.999Z")).toBe("2024-01-15T10:30:00Z")
    expect(row("2024-05-09T22:10:00.250-07:00")).toBe("2024-05-09T22:10:00-07:00")
    expect(row("2024-05-11T17:40:00+05:30")).toBe("2024-05-11T17:40:00+05:30")
    expect(row("2024-05-12T00:00:00.000+00:00")).toBe("2024-05-12T00:00:00Z")
    expect(row("2025-01-15 10:00:00")).toBe("2025-01-15T10:00:00Z")
    expect(row("2025-01-15 10:00:00.250")).toBe("2025-01-15T10:00:00Z")
    expect(row("2024-01-15 10:30:00.123 +0000 UTC m=+12.345")).toBe("2024-01-15T10:30:00Z")
  })

  it("writes undecodable timestamps as stored and NULL ones as empty cells", () => {
    const p = post({ createdAt: Timestamp.decode("yesterday, noon"), indexedAt: Timestamp.decode("") })
    const row = Columns.toRow(p)
    expect(row[4]).toBe("yesterday, noon")
    expect(row[14]).toBe("")
    expect(records({ escapeFormulas: false }, [p])).toMatch(/,"yesterday, noon",.*,\n$/)
  })

  it("writes booleans as true/false", () => {
    const row = Columns.toRow(post({ isReply: false, hasMedia: false }))
    expect([row[9], row[11]]).toEqual(["false", "false"])
  })

  it("has no column for embed_data, labels or archived_at", () => {
    const p = post({
      embedData: rawJson(`{"x":"embed, data"}`),
      labels: rawJson(`[{"val":"label, text"}]`),
      archivedAt: Timestamp.decode("2024-01-01 00:00:00")
    })
    const row = Columns.toRow(p)
    expect(row).toHaveLength(15)
    expect(row.join("|")).not.toMatch(/embed, data|label, text|2024-01-01T00/)
  })

  it("encodes a record with quoting applied cell by cell", () => {
    const p = post({ text: 'a, "b"\r\nc', replyParent: " leading", embedType: "\\." })
    expect(records({ escapeFormulas: false }, [p])).toBe(
      'at://did:plc:test/app.bsky.feed.post/3kabc,bafyreitest,did:plc:test,"a, ""b""\r\nc",' +
        '2024-01-02T03:04:05Z,0,0,0,0,false," leading",false,,"\\.",2024-01-02T03:04:06Z\n'
    )
  })
})
