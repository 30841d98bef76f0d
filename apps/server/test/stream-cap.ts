/**
 * The cap on event streams per client, for events.test.ts and event-streams.long.test.ts:
 * 32 streams of one export open, the next refused with 429 and Retry-After, waves of 100 more
 * refused while /healthz still answers, and a closed stream freeing its place.
 */
import * as http from "node:http"
import { expect } from "vitest"
import { request, startExport } from "./support.js"

/**
 * On a server with STALL_PLUGIN (whose export of `did` outlives the check, until it is deleted
 * here): `waves` waves of 100 refused watchers.
 */
export const expectStreamCap = async (url: string, did: string, waves: number): Promise<void> => {
  const job = await startExport(url, { did, format: "stalljson" })
  const held: Array<http.ClientRequest> = []
  const open = () =>
    new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
      const req = http.get(new URL(`/api/exports/${job.id}/events`, url), { agent: false }, (res) => {
        if (res.statusCode === 200) {
          held.push(req)
          resolve({ status: 200, retryAfter: undefined, body: "" })
          return
        }
        let body = ""
        res.on("data", (d) => (body += d))
        res.on("end", () => resolve({ status: res.statusCode!, retryAfter: res.headers["retry-after"], body }))
      })
      req.on("error", reject)
    })
  try {
    for (let i = 0; i < 32; i++) expect((await open()).status).toBe(200)
    const refused = await open()
    expect(refused.status).toBe(429)
    expect(refused.retryAfter).toBe("5")
    expect(JSON.parse(refused.body).error.code).toBe("too_many_streams")
    // More watchers, 100 at a time, while /healthz is asked between the waves.
    for (let wave = 0; wave < waves; wave++) {
      const [health, ...results] = await Promise.all([
        fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(10_000) }),
        ...Array.from({ length: 100 }, open)
      ])
      expect(health.status).toBe(200)
      expect(results.every((r) => r.status === 429)).toBe(true)
    }
    // A closed stream frees its place.
    held.pop()!.destroy()
    let reopened = 0
    for (let i = 0; i < 250 && reopened !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      reopened = (await open()).status
    }
    expect(reopened).toBe(200)
  } finally {
    for (const req of held) req.destroy()
    await request(url, "DELETE", `/api/exports/${job.id}`)
  }
}
