/**
 * The loop an encoding thread runs. A frontend's thread entry module (see
 * `Threads.useScript`) provides its plugins, then calls `serve`.
 */
export { serve } from "./internal/EncodingThread.js"
