// A bundle of the CLI (dist/bundle/), built from tsc's dist/. Node loads a few
// large files much faster than effect's hundreds of small modules, so
// bin/skyporter.js answers --help and --version from it in half the time.
// Subcommand handlers become lazy chunks that help never loads; commands that
// run use dist/ instead (see the launcher for why).
import { defineConfig } from "rolldown"

export default defineConfig({
  input: { bin: "dist/bin.js" },
  platform: "node",
  // A native addon: loaded from node_modules as it is.
  external: ["better-sqlite3"],
  output: {
    dir: "dist/bundle",
    format: "esm",
    sourcemap: true,
    chunkFileNames: "[name]-[hash].js"
  }
})
