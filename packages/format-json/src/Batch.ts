/**
 * Turning a batch of rendered posts into the bytes a sink returns: the core's
 * `BatchText`, under the names this package has always exported.
 */
export { encode as encodeBatch, type Scratch, scratch } from "@skyporter/core/BatchText"
