// The concurrent test plugin with each line of its batches marked by `mark`:
// the same name, version and module, so only its output tells the copies apart.
import * as Effect from "effect/Effect"
import plugin from "./concurrent-lines.mjs"

export const marked = (mark) => ({
  ...plugin,
  make: (options, context) =>
    Effect.map(plugin.make(options, context), (sink) => ({
      ...sink,
      write: (batch, at) => Effect.map(sink.write(batch, at), (text) => text.replace(/^(?=.)/gm, mark))
    }))
})
