// The conformance suite imports vitest, so it is not re-exported here: it has
// its own entry point, `@skyporter/testkit/conformance`.
export * as Awkward from "./Awkward.js"
export * as Compat from "./Compat.js"
export * as Images from "./Images.js"
export * as Sink from "./Sink.js"
export * as Synthetic from "./Synthetic.js"
