/**
 * What a frontend does about the threads that read and encode its exports:
 * start them early (`prewarm`), stop those waiting (`stopWaiting`), start
 * them from its own entry module (`useScript`), and, in that module, hand
 * them the plugins it bundles (`provide`) before it serves
 * (`@skyporter/core/ThreadMain`).
 *
 * Loads nothing else, so that a frontend can prewarm before its own imports.
 */
export { provide } from "./internal/LoadedPlugins.js"
export { defaultThreads, MAX_THREADS, prewarm, stopWaiting, useScript } from "./internal/Prewarm.js"
