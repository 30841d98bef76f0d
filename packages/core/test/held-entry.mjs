// A reader thread's entry module, as a frontend that bundles its plugins
// writes one (ReaderPool.useScript): it provides its own copy of the
// concurrent test plugin, whose lines start "held ", then serves.
import * as LoadedPlugins from "../dist/internal/LoadedPlugins.js"
import { serve } from "../dist/ThreadMain.js"
import { marked } from "./marked-lines.mjs"

LoadedPlugins.provide(marked("held "))
serve()
