// The conformance suite imports vitest, so it is not re-exported here: it has
// its own entry point, `@skyporter/testkit/conformance`.
export * as Awkward from "./Awkward.js"
export * as Compat from "./Compat.js"
export * as Sink from "./Sink.js"
// The generator has its own package; re-exported so tests keep one import.
export { Images } from "@skyporter/synthetic"
export * as Synthetic from "@skyporter/synthetic"
