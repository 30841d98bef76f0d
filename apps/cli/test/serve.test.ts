/**
 * `skyporter serve` refusing to start: a token too short to keep others out
 * (exit 2, a usage error with its hint) and a port already in use (exit 1, no
 * fault of the command line: no hint). The server itself: apps/server/test.
 */
import { existsSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunResult, sharedArchive, show, start } from "./support.js"

const fx = sharedArchive("did:plc:servestart", 5)

let taken: Server
let port = 0
beforeAll(async () => {
  taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
  port = (taken.address() as { port: number }).port
})
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())))

/** Runs `serve` expected to refuse; one that starts after all is killed, not left serving. */
const serveRefused = async (args: ReadonlyArray<string>): Promise<RunResult> => {
  const running = start(["serve", ...args], { cwd: fx.dir })
  const timer = setTimeout(() => running.child.kill("SIGKILL"), 20_000)
  try {
    return await running.done
  } finally {
    clearTimeout(timer)
  }
}

describe("skyporter serve refuses to start", () => {
  it("with an auth token shorter than 16 characters: exit 2, naming the entry, never the token", async () => {
    const auth = path.join(fx.dir, "short-auth.json")
    const good = "long-enough-token-0123456789"
    writeFileSync(
      auth,
      JSON.stringify({
        tokens: [
          { token: good, did: "*" },
          { token: "abc12", did: "*" }
        ]
      })
    )
    const out = path.join(fx.dir, "out-auth")
    const r = await serveRefused(["--db", fx.db, "--out", out, "--port", "0", "--auth", auth])
    expect(r.code, show(r)).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(
      `skyporter serve: --auth ${auth}: tokens[1].token is 5 characters long: a token must have at least 16, ` +
        "or it can be guessed (e.g. 32 random hex digits: openssl rand -hex 16)\n" +
        "Run 'skyporter serve --help' for usage.\n"
    )
    expect(existsSync(out)).toBe(false)
  }, 60_000)

  it("on a port in use: exit 1 with the reason, and no usage hint", async () => {
    const out = path.join(fx.dir, "out-port")
    const r = await serveRefused(["--db", fx.db, "--out", out, "--port", String(port)])
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(
      new RegExp(`^skyporter serve: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*\\n$`)
    )
  }, 60_000)
})
