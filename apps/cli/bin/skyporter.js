#!/usr/bin/env node
// Committed launcher so `npm ci` can link the binary before `dist/` is built.
//
// Help and the version need only the command tree, and a bundle of it
// (dist/bundle/) starts in half the time. Commands that run load the
// packages as installed instead: a plugin then shares one copy of `effect`
// (its options schema, its effects) with the core that runs it.
const ANSWERED_BY_THE_TREE = new Set(["--help", "-h", "--version", "-v"])
const args = process.argv.slice(2)
if (args.length === 0 || args.some((a) => ANSWERED_BY_THE_TREE.has(a))) {
  await import("../dist/bundle/bin.js")
} else {
  // An export's reader threads load their modules while the CLI loads its
  // own (ReaderPool loads nothing else). The export validates --threads;
  // prewarm starts the default for a count it cannot use.
  if (args[0] === "export") {
    const at = args.findIndex((a) => a === "--threads" || a.startsWith("--threads="))
    const given = at < 0 ? undefined : Number(args[at].includes("=") ? args[at].split("=")[1] : args[at + 1])
    const { prewarm } = await import("@skyporter/core/ReaderPool")
    prewarm(given)
  }
  await import("../dist/bin.js")
}
