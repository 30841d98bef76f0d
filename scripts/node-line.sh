#!/usr/bin/env bash
# Prints the directory of an official Node binary of the given major line (its bin/node and its
# headers, include/node), fetched once from the npm registry's node-<os>-<arch> package and kept in
# ${SKYPORTER_NODE_CACHE:-~/.cache/skyporter-node}. Use it as
#   dir=$(scripts/node-line.sh 24); PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm ci
# npm_config_nodedir lets node-gyp compile better-sqlite3 against those headers, offline.
set -euo pipefail
major=${1:?usage: scripts/node-line.sh <major, e.g. 24>}
case "$major" in *[!0-9]*) echo "node-line: '$major' is not a major version number (like 24)" >&2; exit 2 ;; esac

os=$(node -p process.platform)
arch=$(node -p process.arch)
cache=${SKYPORTER_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skyporter-node}
dir="$cache/$os-$arch-$major"

if [ ! -x "$dir/package/bin/node" ] || [ ! -d "$dir/package/include/node" ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tarball=$(cd "$dir.tmp" && npm pack --silent "node-$os-$arch@$major")
  tar xzf "$dir.tmp/$tarball" -C "$dir.tmp"
  rm -f "$dir.tmp/$tarball"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
version=$("$dir/package/bin/node" --version)
case "$version" in "v$major".*) ;; *) echo "node-line: $dir holds Node $version, not $major" >&2; exit 1 ;; esac
echo "$dir/package"
