#!/bin/sh
# Records what JVM Clojure gives for each expression of tests/Vm.Tests/Data/clojure-order.clj:
# its (hash x) and its printed form, as tests/Vm.Tests/Data/clojure-order.tsv (expression TAB hash
# TAB pr-str), which HashOrderTests compares Yin against. Needs `clojure` (scripts/install-clojure.sh).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/tests/Vm.Tests/Data"
script=$(mktemp --suffix=.clj)
trap 'rm -f "$script"' EXIT
cat > "$script" <<'CLJ'
(require '[clojure.string :as str])
(doseq [line (str/split-lines (slurp (first *command-line-args*)))
        :let [line (str/trim line)]
        :when (and (seq line) (not (str/starts-with? line ";")))]
  (let [x (eval (read-string line))]
    (println (str line "\t" (hash x) "\t" (pr-str x)))))
CLJ
clojure "$script" "$data/clojure-order.clj" > "$data/clojure-order.tsv"
echo "wrote $data/clojure-order.tsv ($(wc -l < "$data/clojure-order.tsv") expressions)"
