/**
 * Live progress over SSE against a real server: many watchers of one export,
 * resuming with Last-Event-ID, joining after the end, keep-alive comments,
 * FIFO queueing with --max-running 1, and the cap on streams per client (a
 * hostile client must not starve the server).
 */
import { describe, expect, it } from "vitest"
import { expectStreamCap } from "./stream-cap.js"
import { DID_A, DID_B, DID_C, readEvents, request, STALL_PLUGIN, startExport, useServer } from "./support.js"

const shared = useServer({
  slow: true,
  args: ["--max-running", "1", "--keep-alive-ms", "100", "--plugin", STALL_PLUGIN],
  env: { SKYPORTER_TEST_DELAY_MS: "60" }
})
const { url } = shared

describe("progress events", () => {
  it("delivers every progress change and the final event to 20 concurrent watchers", async () => {
    const job = await startExport(url(), { did: DID_A, format: "slowjson" })
    const watchers = await Promise.all(
      Array.from({ length: 20 }, () => readEvents(url(), `/api/exports/${job.id}/events`))
    )
    for (const w of watchers) {
      expect(w.status).toBe(200)
      expect(w.contentType).toMatch(/^text\/event-stream/)
      const last = w.events[w.events.length - 1]!
      expect(last.event).toBe("completed")
      expect(last.data.status).toBe("completed")
      expect(last.data.posts_processed).toBe(last.data.posts_total)
      expect(w.events.filter((e) => e.event !== "progress")).toHaveLength(1)
      const ids = w.events.map((e) => Number(e.id))
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(new Set(ids).size).toBe(ids.length)
      const processed = w.events.map((e) => e.data.posts_processed)
      expect(processed).toEqual([...processed].sort((a, b) => a - b))
      // Batches of 100: many progress events.
      expect(w.events.filter((e) => e.event === "progress" && e.data.posts_processed > 0).length).toBeGreaterThan(5)
      // Idle time between batches carries keep-alive comments (every 100 ms here).
      expect(w.comments).toContain("keep-alive")
    }
    // After the end: the final event at once, also with a Last-Event-ID.
    const finalId = watchers[0]!.events[watchers[0]!.events.length - 1]!.id!
    const late = await readEvents(url(), `/api/exports/${job.id}/events`)
    expect(late.events.map((e) => [e.id, e.event])).toEqual([[finalId, "completed"]])
    const resumed = await readEvents(url(), `/api/exports/${job.id}/events`, {
      "last-event-id": String(Number(finalId) - 2)
    })
    expect(resumed.events.map((e) => Number(e.id))).toEqual([Number(finalId) - 1, Number(finalId)])
  })

  it("resumes a running export after Last-Event-ID without repeating events", async () => {
    const job = await startExport(url(), { did: DID_B, format: "slowjson" })
    // Read the first few events, hang up, reconnect from the last one seen.
    const controller = new AbortController()
    const res = await fetch(new URL(`/api/exports/${job.id}/events`, url()), { signal: controller.signal })
    const reader = res.body!.getReader()
    let text = ""
    while ((text.match(/\nid: /g) ?? []).length < 4 && !text.startsWith("id: ")) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const seen = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    const last = seen[seen.length - 1]!
    const rest = await readEvents(url(), `/api/exports/${job.id}/events`, { "last-event-id": String(last) })
    const ids = rest.events.map((e) => Number(e.id))
    expect(ids[0]).toBeGreaterThan(last)
    expect(rest.events[rest.events.length - 1]!.event).toBe("completed")
  })

  it("runs one export at a time with --max-running 1, the others queued in FIFO order", async () => {
    const a = await startExport(url(), { did: DID_A, format: "slowjson" })
    // A month of posts each (about 28 of 1,000 over three years): one batch, which starts no reader thread.
    const month = { since: "2024-03-01", until: "2024-03-31" }
    const b = await startExport(url(), { did: DID_B, format: "json", ...month })
    const c = await startExport(url(), { did: DID_C, format: "json", ...month })
    expect(b.status).toBe("queued")
    expect(c.status).toBe("queued")
    // Looked up among every export of the file's server: earlier tests' exports of the same DIDs
    // may sort among the newest three (names end in _2 within one second).
    const list = await request(url(), "GET", "/api/exports?limit=100")
    expect(
      list.body.exports
        .filter((e: any) => e.status === "queued")
        .map((e: any) => e.id)
        .sort()
    ).toEqual([b.id, c.id].sort())
    const runningAt: Record<string, number> = {}
    const endedAt: Record<string, number> = {}
    await Promise.all(
      [a, b, c].map(async (job) => {
        const res = await fetch(new URL(`/api/exports/${job.id}/events`, url()))
        const reader = res.body!.getReader()
        let text = ""
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          text += new TextDecoder().decode(value)
          if (runningAt[job.id] === undefined && text.includes('"status":"running"')) {
            runningAt[job.id] = performance.now()
          }
          if (endedAt[job.id] === undefined && text.includes("event: completed")) endedAt[job.id] = performance.now()
        }
        expect(text).toContain("event: completed")
      })
    )
    expect(runningAt[a.id]!).toBeLessThan(runningAt[b.id]!)
    expect(runningAt[b.id]!).toBeLessThan(runningAt[c.id]!)
    // Never two at once: each starts once the previous one completed (seen on separate connections,
    // and in the order of the server's own log lines).
    expect(runningAt[b.id]!).toBeGreaterThanOrEqual(endedAt[a.id]! - 100)
    expect(runningAt[c.id]!).toBeGreaterThanOrEqual(endedAt[b.id]! - 100)
    const transitions = () =>
      shared.server
        .stderr()
        .split("\n")
        .flatMap((line) => {
          const job = [a, b, c].findIndex((j) => line.startsWith(`export ${j.id} `))
          const what = / (started|completed: \d+ posts)$/.exec(line)?.[1]
          return job < 0 || what === undefined ? [] : [`${"abc"[job]} ${what.split(":")[0]}`]
        })
    // The log comes through its own pipe: its last line may land after the last event did.
    await expect
      .poll(transitions, { timeout: 10_000 })
      .toEqual(["a started", "a completed", "b started", "b completed", "c started", "c completed"])
  })

  it("answers 404 for the events of an unknown export", async () => {
    const r = await readEvents(
      url(),
      `/api/exports/${Buffer.from(`${DID_A}/2020-01-01_00-00-00`).toString("base64url")}/events`
    )
    expect(r.status).toBe(404)
  })
})

describe("event stream fairness", () => {
  // Last: its stalljson export holds the one running place until the check deletes it.
  it("caps event streams per client with 429 + Retry-After, and /healthz still answers among 200 refused watchers", async () => {
    // 2,000 refused watchers: event-streams.long.test.ts.
    await expectStreamCap(url(), DID_C, 2)
  })
})
