#!/usr/bin/env node
// Committed launcher so `npm ci` can link the binary before `dist/` is built.
import "../dist/bin.js"
