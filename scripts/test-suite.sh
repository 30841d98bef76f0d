#!/usr/bin/env bash
# Runs one test suite of every package (SKYPORTER_TEST_SUITE picks it: see vitest.shared.mts):
# builds what changed, then the tests, two packages at a time, the CLI's and the server's first.
# turbo starts the tasks that are ready in no fixed order, and those two take longest and run
# two files at a time: started last, as they were, one ran alone at the end. Runs everything
# even when something fails, then exits 1.
set -u
cd "$(dirname "$0")/.."
turbo run build --output-logs=errors-only || exit 1
status=0
turbo run test --only --continue --concurrency=2 --filter=@skyporter/cli --filter=@skyporter/server || status=1
turbo run test --only --continue --concurrency=2 --filter='!@skyporter/cli' --filter='!@skyporter/server' || status=1
exit $status
