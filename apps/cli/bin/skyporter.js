#!/usr/bin/env node
// Committed launcher so `npm ci` can link the binary before `dist/` is built.
//
// Help and the version need only the command tree, and a bundle of it
// (dist/bundle/) starts in half the time. Commands that run load the
// packages as installed instead: a plugin then shares one copy of `effect`
// (its options schema, its effects) with the core that runs it.
const ANSWERED_BY_THE_TREE = new Set(["--help", "-h", "--version", "-v"])
const args = process.argv.slice(2)
await import(args.length === 0 || args.some((a) => ANSWERED_BY_THE_TREE.has(a)) ? "../dist/bundle/bin.js" : "../dist/bin.js")
