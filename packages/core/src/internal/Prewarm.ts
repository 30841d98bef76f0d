/**
 * Reader threads waiting for an export: started ahead of need, or kept from
 * the last export. A reader spends most of its start loading modules (about
 * 0.5 s on two cores); started as the CLI starts, that overlaps with the
 * main thread loading its own modules instead of following it, and a thread
 * kept from an export serves the next one (a server's) without starting.
 *
 * This module loads nothing else, so that a frontend can call `prewarm`
 * before its own imports (and before the Effect runtime): the threads wait
 * here, unreferenced, until a ThreadPool takes them.
 */
import { createRequire } from "node:module"
import { availableParallelism } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { type MessagePort, Worker } from "node:worker_threads"
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
  // Waiting threads of another entry hold other plugins.
  if (entry.href !== script.href) stopWaiting()
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

/** The message that hands a waiting thread an export, and the port it serves that export on. */
export interface Assign {
  readonly type: "init"
  readonly init: WorkerInit
  readonly port: MessagePort
}

/** `workerData` of a prewarmed thread: it loads its modules, then waits for `Assign` messages. */
export const PREWARM = "skyporter-reader-prewarm"

/** `workerData` of a thread started for an export: it loads only what its `Assign` needs. */
export const WAITING = "skyporter-reader"

/**
 * Threads waiting for an export: prewarmed before any (and before the Effect
 * runtime, see `prewarm`), or back from an export that ended cleanly. A pool
 * takes them first; unreferenced, they never keep the process alive.
 */
const idle: Array<Worker> = []
const timers = new Map<Worker, ReturnType<typeof setTimeout>>()
/** Waiting threads no export has used yet (`shed` stops them). */
const prewarmed = new WeakSet<Worker>()
/** The entry module each thread was started from (its plugins: see `useScript`). */
const origins = new WeakMap<Worker, string>()

/**
 * Threads kept waiting after an export, at most: each holds its loaded
 * modules (tens of MB), and an export on the default threads has 3 readers
 * at most.
 */
export const MAX_IDLE = 3

/**
 * How long a thread back from an export waits for the next one before it
 * stops: a server's next export within this time starts no thread.
 */
export const IDLE_MILLIS = 30_000

/** Takes a thread off the waiting list, with its idle timer. */
const drop = (worker: Worker): void => {
  const k = idle.indexOf(worker)
  if (k >= 0) idle.splice(k, 1)
  clearTimeout(timers.get(worker))
  timers.delete(worker)
  prewarmed.delete(worker)
}

const keep = (worker: Worker): void => {
  worker.unref()
  // A waiting thread that failed or stopped is dropped, never handed out.
  worker.once("error", () => drop(worker))
  worker.once("exit", () => drop(worker))
  idle.push(worker)
}

const stop = (worker: Worker): void => {
  drop(worker)
  void worker.terminate()
}

const start = (workerData: string): Worker => {
  const worker = new Worker(script, { workerData, resourceLimits: READER_LIMITS })
  origins.set(worker, script.href)
  return worker
}

/** A thread that has stopped (Node then numbers it -1) cannot serve. */
const alive = (worker: Worker): boolean => worker.threadId >= 0

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
    const worker = start(PREWARM)
    prewarmed.add(worker)
    keep(worker)
  }
}

/** Threads waiting for an export: prewarmed, or back from one. */
export const waiting = (): number => idle.length

/** A waiting thread for an export, if there is one, no longer watched here. */
export const take = (): Worker | undefined => {
  for (let worker = idle[0]; worker !== undefined; worker = idle[0]) {
    drop(worker)
    worker.removeAllListeners("error")
    worker.removeAllListeners("exit")
    if (alive(worker)) return worker
  }
  return undefined
}

let idleMillis = IDLE_MILLIS

/** How long threads back from an export wait from now on (tests shorten it). */
export const keepIdleFor = (millis: number): void => {
  idleMillis = millis
}

/** A thread whose export ended cleanly waits for the next one, for `IDLE_MILLIS` at most. */
export const giveBack = (worker: Worker): void => {
  if (!alive(worker)) return
  if (idle.length >= MAX_IDLE || origins.get(worker) !== script.href) {
    void worker.terminate()
    return
  }
  keep(worker)
  const timer = setTimeout(() => stop(worker), idleMillis)
  timer.unref()
  timers.set(worker, timer)
}

/** Stops every waiting thread. */
export const stopWaiting = (): void => {
  for (let worker = take(); worker !== undefined; worker = take()) void worker.terminate()
}

/** Stops the prewarmed threads no export took; those kept from an export wait on. */
export const shed = (): void => {
  for (const worker of idle.filter((w) => prewarmed.has(w))) stop(worker)
}

/** A new thread, waiting for an export. */
export const spawn = (): Worker => start(WAITING)
