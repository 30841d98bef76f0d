/**
 * The module a reader thread starts from (`Prewarm.WORKER_URL`): it
 * serves the export it is given, loading its plugin by the module URL the
 * export names. A frontend that bundles its plugins starts its threads from
 * its own entry instead (`Threads.useScript`), which provides them (see
 * LoadedPlugins) and serves.
 */
import { serve } from "./EncodingThread.js"

serve()
