// The Node lines the benchmark runs exports on. The machine's own Node runs
// them with the installed modules; another line (fetched by node-line.sh,
// with its headers) needs better-sqlite3 built for its ABI: a copy of the
// installed package is built once into .bench-cache/, and that Node loads it
// through a resolve hook (bench-sqlite-hook.mjs), so nothing installed changes.
import { spawnSync } from "node:child_process"
import { closeSync, cpSync, existsSync, openSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const root = path.resolve(import.meta.dirname, "..")
const require = createRequire(path.join(root, "package.json"))

const loadsSqlite = (node) =>
  spawnSync(node, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root }).status === 0

const fetchLine = (major) => {
  const r = spawnSync(path.join(root, "scripts/node-line.sh"), [String(major)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
  if (r.status !== 0) throw new Error(`cannot fetch Node ${major} (scripts/node-line.sh exited ${r.status})`)
  return r.stdout.trim()
}

/**
 * node-gyp as npm ships it, run by the Node it builds for. npm names it to
 * its scripts; run directly, it sits beside the npm on PATH, which need not
 * be the Node's own (a Node from the registry package ships without npm).
 */
const nodeGyp = () => {
  const inside = "node_modules/node-gyp/bin/node-gyp.js"
  const npmOnPath = (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((dir) => path.join(dir, "npm"))
    .find((file) => existsSync(file))
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(spawnSync("npm", ["root", "-g"], { encoding: "utf8" }).stdout.trim(), "npm", inside),
    npmOnPath && path.join(path.dirname(realpathSync(npmOnPath)), "..", inside)
  ].filter((file) => file !== undefined && file !== "")
  const gyp = candidates.find((file) => existsSync(file))
  if (gyp === undefined) throw new Error(`node-gyp not found (looked at ${candidates.join(", ")})`)
  return gyp
}

/** better-sqlite3 (and what it requires) copied and built for `node`, once. */
const sqliteFor = (node, dir, cache) => {
  const abi = spawnSync(node, ["-p", "process.versions.modules"], { encoding: "utf8" }).stdout.trim()
  const home = path.join(cache, `better-sqlite3-abi${abi}`)
  const entry = path.join(home, "node_modules/better-sqlite3/lib/index.js")
  if (existsSync(path.join(home, ".complete"))) return entry
  process.stderr.write(`building better-sqlite3 for Node ABI ${abi} (once; cached in .bench-cache/)… `)
  const tmp = `${home}.partial`
  rmSync(tmp, { recursive: true, force: true })
  for (const name of ["better-sqlite3", "bindings", "file-uri-to-path"]) {
    const from = path.dirname(require.resolve(`${name}/package.json`))
    cpSync(from, path.join(tmp, "node_modules", name), {
      recursive: true,
      filter: (f) => !f.startsWith(path.join(from, "build"))
    })
  }
  const log = `${home}.log`
  const fd = openSync(log, "w")
  const built = spawnSync(node, [nodeGyp(), "rebuild", "--release", `--nodedir=${dir}`], {
    cwd: path.join(tmp, "node_modules/better-sqlite3"),
    stdio: ["ignore", fd, fd],
    env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` }
  })
  closeSync(fd)
  if (built.status !== 0) throw new Error(`building better-sqlite3 for Node ABI ${abi} failed (see ${log})`)
  writeFileSync(path.join(tmp, ".complete"), "")
  rmSync(home, { recursive: true, force: true })
  renameSync(tmp, home)
  process.stderr.write("done\n")
  return entry
}

/**
 * How to run Node `major`: `{ node, args, version }`, where `args` go before
 * the script (the hook that loads the matching better-sqlite3, when needed).
 */
export const nodeLine = (major, cache) => {
  const own = Number(process.versions.node.split(".")[0]) === Number(major)
  const dir = own ? undefined : fetchLine(major)
  const node = own ? process.execPath : path.join(dir, "bin/node")
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()
  if (loadsSqlite(node)) return { node, args: [], version }
  if (dir === undefined) throw new Error(`better-sqlite3 does not load on this Node (${version}): run npm rebuild`)
  const entry = sqliteFor(node, dir, cache)
  const hook = pathToFileURL(path.join(root, "scripts/bench-sqlite-hook.mjs")).href
  return {
    node,
    args: ["--import", hook],
    version,
    env: { SKYPORTER_BENCH_SQLITE: pathToFileURL(entry).href }
  }
}
