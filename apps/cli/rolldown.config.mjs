// A bundle of the CLI (dist/bundle/), built from tsc's dist/. Node loads a few
// large files much faster than effect's hundreds of small modules, so
// bin/skyporter.js answers --help and --version, and runs exports in the
// built-in formats, from it. Subcommand handlers become lazy chunks that help
// never loads. Prewarm and ReaderThread are entries of their own: the
// launcher starts the reader threads first, and they start from a file.
import { defineConfig } from "rolldown"

export default defineConfig({
  input: { bin: "dist/bin.js", Prewarm: "dist/Prewarm.js", ReaderThread: "dist/ReaderThread.js" },
  platform: "node",
  // A native addon: loaded from node_modules as it is.
  external: ["better-sqlite3"],
  output: {
    dir: "dist/bundle",
    // Chunk names carry hashes: without this, stale chunks of earlier builds pile up.
    cleanDir: true,
    format: "esm",
    sourcemap: true,
    chunkFileNames: "[name]-[hash].js"
  }
})
