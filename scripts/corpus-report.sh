#!/bin/sh
# Runs the compatibility corpus on Yin (no JVM needed: the expected outputs are checked in) and
# prints, per set, each failing program with the category and first line of its first error, the
# categories counted, and the pass rate. Same as:
#   CORPUS_REPORT=FILE dotnet test tests/Vm.Tests --filter FullyQualifiedName~CorpusTests
# (add --logger "console;verbosity=detailed" to see the table in the test output instead).
# Usage: scripts/corpus-report.sh [REPORT.md]   (default: print to stdout only)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
report=${1:-$(mktemp)}
: > "$report"
export MSBUILDDISABLENODEREUSE=1
status=0
CORPUS_REPORT="$report" dotnet test "$root/tests/Vm.Tests" --filter "FullyQualifiedName~CorpusTests" >/dev/null 2>&1 || status=$?
cat "$report"
[ $# -ge 1 ] || rm -f "$report"
[ $status -eq 0 ] || echo "(the corpus tests failed: a pass rate is below its floor, or the build failed; exit $status)" >&2
exit $status
