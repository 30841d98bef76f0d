#!/usr/bin/env bash
# Runs one test suite of every package (SKYPORTER_TEST_SUITE picks it: see vitest.shared.mts):
# builds what changed, then each package's tests, three packages at a time (two for the long and
# compatibility suites; SKYPORTER_TEST_SLOTS sets another count), longest first: the CLI's and the
# server's (two files at a time each), then the html format's and the core's, then the rest. A
# package starts as soon as a slot is free, so no core waits for a long package left alone at the
# end. Runs everything even when something fails, then exits 1 (2 for a bad slot count).
# After the one build, each package's test script runs as npm would run it (in its folder, with
# the workspace's bins on PATH) but without npm and turbo around it: they cost about 1.3 s of CPU
# a package. Each output line starts with "<package>:test: ", as turbo's did.
set -u -o pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# The loop's packages spend much of their time waiting on subprocesses, Chromium and the disk:
# a third slot keeps both cores busy (docs/performance.md). The long suite's memory and signal
# proofs keep two.
SUITE=${SKYPORTER_TEST_SUITE:-default}
SLOTS=2
[[ $SUITE == default ]] && SLOTS=3
SLOTS=${SKYPORTER_TEST_SLOTS:-$SLOTS}
if ! [[ $SLOTS =~ ^[1-9][0-9]*$ ]]; then
  echo "SKYPORTER_TEST_SLOTS=$SLOTS: expected a whole number of packages to test at once, 1 or more" >&2
  exit 2
fi
turbo run build --output-logs=errors-only || exit 1

# Where the packages' temporary folders go: SKYPORTER_TEST_TMPDIR or TMPDIR when set; else, for
# the loop, the RAM-backed /dev/shm when programs may run from it and it has 1 GiB free (a
# container's is often 64 MB), since the loop's exports, imports and seeds flush every file they
# write (docs/performance.md); else /tmp. The long and compatibility suites keep /tmp, a disk,
# where CI proves the same on a real filesystem.
TEST_TMP=${SKYPORTER_TEST_TMPDIR:-${TMPDIR:-}}
if [[ -z $TEST_TMP ]]; then
  TEST_TMP=/tmp
  free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
  if [[ $SUITE == default && -d /dev/shm && -w /dev/shm && ${free_kb:-0} =~ ^[0-9]+$ ]] &&
    ((free_kb >= 1024 * 1024)) &&
    ! awk '$2 == "/dev/shm" { print $4 }' /proc/mounts 2>/dev/null | grep -qw noexec; then
    TEST_TMP=/dev/shm
  fi
fi

# Compiled code shared by every process the tests start (Node 22.1 and later; vitest.shared.mts
# sets the same for a vitest run on its own), filled once before the packages start side by side.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$ROOT/node_modules/.cache/skyporter-compile-cache}
node scripts/warm-compile-cache.mjs

FIRST=(@skyporter/cli @skyporter/server @skyporter/format-html @skyporter/core)
# Every workspace package with a test script, in the order of the workspaces in package.json.
# Lines "name<TAB>folder<TAB>its pretest, test and posttest scripts".
declare -A DIR SCRIPT
ALL=()
while IFS=$'\t' read -r name dir script; do
  ALL+=("$name")
  DIR[$name]=$dir
  SCRIPT[$name]=$script
done < <(node -e '
  const fs = require("node:fs"), path = require("node:path")
  for (const pattern of require("./package.json").workspaces) {
    const parent = path.dirname(pattern)
    for (const dir of fs.readdirSync(parent).sort()) {
      const file = path.join(parent, dir, "package.json")
      if (!fs.existsSync(file)) continue
      const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
      const { pretest, test, posttest } = manifest.scripts ?? {}
      if (test) console.log([manifest.name, path.join(parent, dir), [pretest, test, posttest].filter(Boolean).join(" && ")].join("\t"))
    }
  }')

# One package's tests: its test script in its folder, each line prefixed with its name. It gets its
# own empty temporary folder (TMPDIR): whatever is left in it afterwards, a test left behind, and
# the package fails, naming it; the folder goes either way.
test_package() {
  local pkg=$1 dir=$ROOT/${DIR[$1]} tmp status left
  tmp=$(mktemp -d "$TEST_TMP/skyporter-test-XXXXXX") || return 1
  # Open to every user, as the system's is: some tests run the CLI as another user (nobody).
  chmod 1777 "$tmp" || return 1
  (cd "$dir" && TMPDIR=$tmp PATH="$dir/node_modules/.bin:$ROOT/node_modules/.bin:$PATH" sh -c "${SCRIPT[$pkg]}") 2>&1 |
    sed -u "s|^|$pkg:test: |"
  status=$?
  left=$(ls -A "$tmp")
  if [[ -n $left ]]; then
    echo "$pkg:test: $(wc -l <<<"$left") left in the temporary folder: $(head -5 <<<"$left" | tr '\n' ' ')"
    status=1
  fi
  rm -rf "$tmp"
  return $status
}
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
  if ((running == SLOTS)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  test_package "$pkg" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
