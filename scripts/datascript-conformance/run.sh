#!/usr/bin/env bash
# Runs DataScript's test files against the datom CLI (see harness.clj) and writes the case table.
# usage: run.sh DATASCRIPT_CHECKOUT OUT.edn [FILE...]   (FILE: query, pull_api, …; default: all below)
# DATASCRIPT_CHECKOUT is a git clone of tonsky/datascript; DATOM is the datom binary (default: the
# Debug build of src/Node).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$1; out=$2; shift 2
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(query query_rules query_not query_or query_aggregates query_fns query_find_specs pull_api lookup_refs upsert transact components)
export DATOM=${DATOM:-$(ls -d "$here"/../../src/Node/bin/Debug/*/ | head -1)datom}
export WORK=$(mktemp -d /tmp/ds-harness.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
src=$WORK/src; mkdir -p "$src"
paths=()
for f in "${files[@]}"; do
  git -C "$repo" show "HEAD:test/datascript/test/$f.cljc" > "$src/$f.cljc"
  paths+=("$src/$f.cljc")
done
clojure "$here/harness.clj" "$out" "${paths[@]}"
