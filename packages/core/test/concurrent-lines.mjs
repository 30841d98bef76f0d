// A concurrent test plugin, as a worker thread loads it: each post as
// "<position> <uri> <text>" on its own line, between a header naming the
// total and a footer. Options: `failAt` (a uri: the sink fails on the batch
// holding it), `crashAt` (a uri: the sink throws there) and `thread` (each
// line starts with the id of the thread that encoded it: 0 for the main
// thread).
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { threadId } from "node:worker_threads"
import * as FormatPlugin from "../dist/FormatPlugin.js"

const plugin = FormatPlugin.define({
  name: "clines",
  version: "1.0.0",
  extension: "txt",
  mediaType: "text/plain",
  description: "position and uri per line",
  apiVersion: FormatPlugin.API_VERSION,
  options: Schema.Struct({
    failAt: Schema.optional(Schema.String),
    crashAt: Schema.optional(Schema.String),
    thread: Schema.optional(Schema.Boolean)
  }),
  make: (options, context) =>
    Effect.sync(() => ({
      start: Effect.succeed(`total ${context.total}\n`),
      write: (batch, { offset }) =>
        Effect.suspend(() => {
          if (batch.some((p) => p.uri === options.failAt)) {
            return Effect.fail(new FormatPlugin.FormatError({ plugin: "clines", message: `refused ${options.failAt}` }))
          }
          if (batch.some((p) => p.uri === options.crashAt)) throw new Error("boom")
          const tag = options.thread ? `${threadId} ` : ""
          return Effect.succeed(batch.map((p, i) => `${tag}${offset + i} ${p.uri} ${p.text}\n`).join(""))
        }),
      end: Effect.succeed("end\n")
    })),
  concurrent: { module: import.meta.url }
})

export default plugin
