/**
 * Starts an export's reader threads before the CLI loads the rest of its
 * modules (the launcher calls it first), from ReaderThread.ts next to this
 * module: in dist/ or, from the bundle, in dist/bundle/.
 */
import * as Threads from "@skyporter/core/Threads"

export const prewarm = (threads: number | undefined): void => {
  useReaderThreads()
  Threads.prewarm(threads)
}

/** Reader threads start from ReaderThread.ts next to this module, when an export needs them. */
export const useReaderThreads = (): void => Threads.useScript(new URL("./ReaderThread.js", import.meta.url))
