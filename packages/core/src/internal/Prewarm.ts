/**
 * Reader threads, started ahead of need. A reader spends most of its start
 * loading modules (about 0.5 s on two cores); started as the CLI starts,
 * that overlaps with the main thread loading its own modules instead of
 * following it.
 *
 * This module loads nothing else, so that a frontend can call `prewarm`
 * before its own imports (and before the Effect runtime): the threads wait
 * here, unreferenced, until a ThreadPool adopts them.
 */
import { createRequire } from "node:module"
import { availableParallelism } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import type { WorkerInit } from "./ThreadProtocol.js"

/**
 * The core's reader thread module (ReaderThread), found by package name
 * rather than next to this file: a bundle may inline this module, and a
 * thread needs a file.
 */
export const WORKER_URL = pathToFileURL(
  path.join(
    path.dirname(createRequire(import.meta.url).resolve("@skyporter/core/package.json")),
    "dist/internal/ThreadEntry.js"
  )
)

let script: URL = WORKER_URL

/**
 * Starts reader threads from `entry` instead of `WORKER_URL`: a module that
 * provides the plugins its frontend bundles (LoadedPlugins) and then calls
 * `ThreadMain.serve`. Call it before `prewarm`.
 */
export const useScript = (entry: URL): void => {
  script = entry
}

/**
 * A thread's young generation: 24 MB (8 MB semi-spaces) instead of V8's 48.
 * A batch's rows and posts live through at most one scavenge at this size,
 * so nothing is promoted, and an export stays under 200 MB for a little
 * more time; smaller, batches get promoted (docs/performance.md).
 */
const READER_LIMITS = { maxYoungGenerationSizeMb: 24 }

/** Threads an export reads and encodes on when the request does not say: the cores available, at most 4. */
export const defaultThreads = (): number => Math.min(4, availableParallelism())

/** The most threads one export may ask for (each holds a connection and a JavaScript heap). */
export const MAX_THREADS = 32

/**
 * Reader threads an export on `threads` threads starts: on two or more the
 * main thread encodes a share itself (see ParallelEncoder), and one reader
 * reads for any other export.
 */
export const readers = (threads: number): number => Math.max(1, threads - 1)

/** The message that hands a prewarmed thread its work. */
export interface Assign {
  readonly type: "init"
  readonly init: WorkerInit
}

/** `workerData` of a prewarmed thread: it waits for an `Assign` message. */
export const PREWARM = "skyporter-reader-prewarm"

/**
 * Threads prewarmed before any export (and before the Effect runtime, see
 * `prewarm`): the next pool adopts them.
 */
const prewarmed: Array<Worker> = []

/** A prewarmed thread that failed or stopped is dropped, never handed out. */
const forget = (worker: Worker) => () => {
  const k = prewarmed.indexOf(worker)
  if (k >= 0) prewarmed.splice(k, 1)
}

/**
 * Starts the reader threads of an export on `threads` threads, which load
 * their modules and wait for work; any `threads` that is not a whole number
 * from 1 to `MAX_THREADS` (the export checks and reports it) counts as
 * `defaultThreads()`. A thread that fails to start is forgotten; the export
 * then starts a fresh one, which reports the failure.
 */
export const prewarm = (threads?: number): void => {
  const usable = threads !== undefined && Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS
  const count = readers(usable ? threads : defaultThreads())
  for (let i = 0; i < count; i++) {
    const worker = new Worker(script, { workerData: PREWARM, resourceLimits: READER_LIMITS })
    // Unreferenced while idle: a prewarmed thread never keeps the process alive.
    worker.unref()
    worker.once("error", forget(worker))
    worker.once("exit", forget(worker))
    prewarmed.push(worker)
  }
}

/** Prewarmed threads no pool has adopted yet. */
export const waiting = (): number => prewarmed.length

/** Hands the prewarmed threads over to a pool (see ThreadPool), unreferenced still. */
export const adopt = (): Array<Worker> => {
  const workers = prewarmed.splice(0)
  for (const worker of workers) {
    worker.removeAllListeners("error")
    worker.removeAllListeners("exit")
  }
  return workers
}

/** A new thread working on `init`. */
export const spawn = (init: WorkerInit): Worker =>
  new Worker(script, { workerData: init, resourceLimits: READER_LIMITS })
