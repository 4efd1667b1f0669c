#!/bin/sh
# Records every corpus program's expected stdout (FILE.out beside FILE.clj) with JVM Clojure,
# all programs batched into one JVM run (scripts/corpus/record.clj), and Corpus/names.tsv (what the
# programs use of clojure.* and the JVM, for the report). Needs scripts/install-clojure.sh.
#   scripts/record-corpus.sh            record (rewrite the .out files)
#   scripts/record-corpus.sh --check    record nothing; report programs whose output differs
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v clojure >/dev/null 2>&1 || { echo "record-corpus.sh: no clojure; run scripts/install-clojure.sh" >&2; exit 1; }
cd "$root"
exec clojure scripts/corpus/record.clj "$@" --names tests/Vm.Tests/Corpus/names.tsv tests/Vm.Tests/Corpus/programs tests/Vm.Tests/Corpus/heldout
