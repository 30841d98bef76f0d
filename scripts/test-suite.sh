#!/usr/bin/env bash
# Runs one test suite of every package (SKYPORTER_TEST_SUITE picks it: see vitest.shared.mts):
# builds what changed, then each package's tests, two packages at a time, longest first: the
# CLI's and the server's (two files at a time each), then the html format's and the core's, then
# the rest. A package starts as soon as one of the two slots is free, so no core waits for a
# long package left alone at the end. Runs everything even when something fails, then exits 1.
set -u
cd "$(dirname "$0")/.."
turbo run build --output-logs=errors-only || exit 1

FIRST=(@skyporter/cli @skyporter/server @skyporter/format-html @skyporter/core)
# Every workspace package with a test script, in the order of the workspaces in package.json.
mapfile -t ALL < <(node -e '
  const fs = require("node:fs"), path = require("node:path")
  for (const pattern of require("./package.json").workspaces) {
    const parent = path.dirname(pattern)
    for (const dir of fs.readdirSync(parent).sort()) {
      const file = path.join(parent, dir, "package.json")
      if (!fs.existsSync(file)) continue
      const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
      if (manifest.scripts?.test) console.log(manifest.name)
    }
  }')
QUEUE=()
for pkg in "${FIRST[@]}"; do
  [[ " ${ALL[*]} " == *" $pkg "* ]] && QUEUE+=("$pkg")
done
for pkg in "${ALL[@]}"; do
  [[ " ${FIRST[*]} " == *" $pkg "* ]] || QUEUE+=("$pkg")
done

status=0
running=0
for pkg in "${QUEUE[@]}"; do
  if ((running == 2)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  turbo run test --only --filter="$pkg" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
