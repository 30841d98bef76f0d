#!/usr/bin/env node
// Committed launcher so `npm ci` can link the binary before `dist/` is built.
//
// Node loads a few large files far faster than effect's hundreds of small
// modules, so whatever can run from the bundle (dist/bundle/) does: help, the
// version, an import (it loads no plugins), and an export that needs only the
// built-in formats. An export that loads plugins (--plugin, --config or
// ./skyporter.config.json) and the other commands load the packages as
// installed instead: a plugin then shares one copy of `effect` (its options
// schema, its effects) with the core that runs it.
import { existsSync } from "node:fs"

const ANSWERED_BY_THE_TREE = new Set(["--help", "-h", "--version", "-v"])
const args = process.argv.slice(2)
const flagged = (name) => args.some((a) => a === name || a.startsWith(`${name}=`))
// skyporter.config.json: CONFIG_FILE in src/Cli.ts.
const exporting = args[0] === "export"
const plain = exporting && !flagged("--plugin") && !flagged("--config") && !existsSync("skyporter.config.json")
const bundled = args.length === 0 || args.some((a) => ANSWERED_BY_THE_TREE.has(a)) || plain || args[0] === "import"
const dist = bundled ? "../dist/bundle" : "../dist"
if (exporting) {
  // An export's reader threads load their modules while the CLI loads its
  // own (Prewarm loads nothing else). The export validates --threads;
  // prewarm starts the default for a count it cannot use.
  const at = args.findIndex((a) => a === "--threads" || a.startsWith("--threads="))
  const given = at < 0 ? undefined : Number(args[at].includes("=") ? args[at].split("=")[1] : args[at + 1])
  const { prewarm } = await import(`${dist}/Prewarm.js`)
  prewarm(given)
}
await import(`${dist}/bin.js`)
