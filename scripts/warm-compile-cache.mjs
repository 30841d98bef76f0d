// Fills Node's compile cache (NODE_COMPILE_CACHE) before scripts/test-suite.sh starts the packages
// side by side. In a clean clone nothing is cached yet, and Node writes a process's compiled code
// only when it exits: the many processes that start at once would each compile effect, the
// workspace's packages and the CLI's bundle for themselves. One process loads them here, and a small
// export through the bundle (with a reader thread) adds the bundle's chunks. Skipped when this Node
// has cached code already, or has no compile cache (before 22.1). Never fails the run: at worst the
// tests compile as they go.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import * as nodeModule from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const cache = process.env.NODE_COMPILE_CACHE
// Node makes this Node's folder in the cache as it starts; a filled one holds hundreds of files.
const cached = () =>
  readdirSync(cache).some((d) => d.startsWith(`${process.version}-`) && readdirSync(path.join(cache, d)).length >= 100)

if (cache !== undefined && "enableCompileCache" in nodeModule && existsSync(cache)) {
  try {
    if (cached()) process.exit(0)
    const { workspaces } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"))
    const names = ["effect", "@effect/platform-node"]
    for (const pattern of workspaces) {
      const parent = path.join(root, path.dirname(pattern))
      for (const dir of readdirSync(parent)) {
        const file = path.join(parent, dir, "package.json")
        if (!existsSync(file)) continue
        const manifest = JSON.parse(readFileSync(file, "utf8"))
        if (manifest.exports?.["."] !== undefined) names.push(manifest.name)
      }
    }
    for (const name of names) await import(name).catch(() => undefined)

    const dir = mkdtempSync(path.join(os.tmpdir(), "skyporter-warm-"))
    try {
      const cli = (...args) =>
        spawnSync(process.execPath, [path.join(root, "apps/cli/bin/skyporter.js"), ...args], {
          cwd: dir,
          encoding: "utf8"
        })
      const db = path.join(dir, "archive.db")
      const did = cli("seed", "--db", db, "--posts", "30").stdout.trim().split("\n").pop()
      if (did) cli("export", "--db", db, "--did", did, "--batch-size", "10", "--quiet", "--out", dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  } catch (e) {
    console.error(`warm-compile-cache: skipped (${e instanceof Error ? e.message : e})`)
  }
}
