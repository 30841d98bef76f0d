/**
 * The module the CLI's reader threads start from (see Prewarm.ts): the
 * built-in plugins, then the core's reader loop. From the bundle, a thread
 * thus loads one copy of effect, the bundle's, for the plugin and the core.
 */
import { serve } from "@skyporter/core/ThreadMain"
import { provide } from "./Builtins.js"

provide()
serve()
