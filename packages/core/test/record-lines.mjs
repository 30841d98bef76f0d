// concurrent-lines.mjs with a `writeRecords` (the core's stored-records path): the same lines,
// uri and text read from the records' bytes where they are valid UTF-8 text, from `post(i)`
// otherwise. Option `mark`: a line written from bytes starts with "r ".
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { threadId } from "node:worker_threads"
import * as FormatPlugin from "../dist/FormatPlugin.js"
import { FieldKind, FIELDS } from "../dist/RecordBatch.js"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Field `k` as the post would hold it, or undefined when only `post(i)` can say. */
const text = (records, k) => {
  if (records.kinds[k] === FieldKind.Null) return ""
  if (records.kinds[k] !== FieldKind.Text) return undefined
  try {
    return utf8.decode(records.bytes.subarray(records.starts[k], records.ends[k]))
  } catch {
    return undefined
  }
}

const plugin = FormatPlugin.define({
  name: "rlines",
  version: "1.0.0",
  extension: "txt",
  mediaType: "text/plain",
  description: "position and uri per line, from stored records",
  apiVersion: FormatPlugin.API_VERSION,
  options: Schema.Struct({ thread: Schema.optional(Schema.Boolean), mark: Schema.optional(Schema.Boolean) }),
  make: (options, context) =>
    Effect.sync(() => {
      const tag = options.thread ? `${threadId} ` : ""
      return {
        start: Effect.succeed(`total ${context.total}\n`),
        write: (batch, { offset }) =>
          Effect.succeed(batch.map((p, i) => `${tag}${offset + i} ${p.uri} ${p.text}\n`).join("")),
        writeRecords: (records, { offset }) =>
          Effect.sync(() => {
            let out = ""
            for (let i = 0; i < records.length; i++) {
              const uri = text(records, i * FIELDS)
              const body = text(records, i * FIELDS + 3)
              if (uri === undefined || body === undefined) {
                const p = records.post(i)
                out += `${tag}${offset + i} ${p.uri} ${p.text}\n`
              } else out += `${options.mark ? "r " : ""}${tag}${offset + i} ${uri} ${body}\n`
            }
            return out
          }),
        end: Effect.succeed("end\n")
      }
    }),
  concurrent: { module: import.meta.url }
})

export default plugin
