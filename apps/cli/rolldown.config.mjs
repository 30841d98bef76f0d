// The CLI ships as one bundle (dist/bundle/), built from tsc's dist/: Node
// loads a few large files much faster than the hundreds of small modules of
// effect, which halves start-up. Subcommand handlers stay lazy chunks.
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
