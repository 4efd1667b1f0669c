;; Turns the harness's results (run.sh OUT.edn) and annotations.edn into the case table of
;; tests/Index.Tests/Conformance/COVERAGE.md.
;; usage: clojure table.clj OUT.md ANNOTATIONS.edn RESULTS.edn...
(require '[clojure.string :as str])

(let [[out ann-file & results-files] *command-line-args*
      results (mapcat #(read-string (slurp %)) results-files)
      {:keys [notes cases]} (read-string (slurp ann-file))
      annotation (fn [r]
                   (first (filter (fn [a]
                                    (and (or (nil? (:file a)) (= (:file a) (:file r)))
                                         (or (nil? (:actual a)) (str/includes? (:actual r) (:actual a)))
                                         (or (nil? (:test a)) (= (:test a) (:test r)))
                                         (or (nil? (:context a)) (str/includes? (:context r) (:context a)))
                                         (or (nil? (:match a)) (str/includes? (:expected r) (:match a)))))
                                  cases)))
      classify (fn [r]
                 (if (and (= :pass (:outcome r)) (not (:override (annotation r))))
                   (if (:throws r) [:pass "refused, as DataScript refuses"] [:pass nil])
                   (if-let [a (annotation r)]
                     [(:outcome a) (get notes (:note a) (:note a))]
                     [:fail (str/replace (:actual r) #"\s+" " ")])))
      rows (map #(let [[o n] (classify %)] (assoc % :class o :note n)) results)
      files (distinct (map :file rows))
      label {:pass "pass" :divergence "divergence" :na "not expressible" :open "open" :fail "fail"}
      esc #(-> (str %) (str/replace "|" "\\|") (str/replace "\n" " "))
      cut #(if (> (count %) 140) (str (subs % 0 137) "…") %)
      sb (StringBuilder.)
      say #(.append sb (str (apply str %&) "\n"))]
  (say "# DataScript's test files against datom, case by case")
  (say "")
  (say "Every `is`/`are` case of DataScript's own test files (tonsky/datascript `test/datascript/test/`, EPL-1.0;")
  (say "the cases run as written, no code is copied) run through the `datom` CLI by")
  (say "`scripts/datascript-conformance/run.sh`: `datascript.core` is replaced by a namespace that builds a data")
  (say "directory per database value and calls `datom transact`, `query`, `pull` and `datoms` (translation rules at")
  (say "the top of `harness.clj`). Regenerate this file with")
  (say "`run.sh DATASCRIPT_CHECKOUT r.edn && clojure table.clj COVERAGE.md annotations.edn r.edn`.")
  (say "")
  (say "Outcomes: **pass** (a case that expects an error passes when datom refuses too; the message is datom's own);")
  (say "**divergence** (datom follows Datomic; the reason is given, and README.md beside this file lists the")
  (say "choices); **not expressible** (the case passes a Clojure function, several databases, or uses DataScript's")
  (say "internals: nothing a datom user can write); **open** (ours to do, not done); **fail** (unexplained).")
  (say "")
  (say "| file | cases | pass | divergence | not expressible | open | fail |")
  (say "|---|---|---|---|---|---|---|")
  (doseq [f files :let [rs (filter #(= f (:file %)) rows) n #(count (filter (fn [r] (= % (:class r))) rs))]]
    (say "| " f " | " (count rs) " | " (n :pass) " | " (n :divergence) " | " (n :na) " | " (n :open) " | " (n :fail) " |"))
  (let [n #(count (filter (fn [r] (= % (:class r))) rows))]
    (say "| **all** | " (count rows) " | " (n :pass) " | " (n :divergence) " | " (n :na) " | " (n :open) " | " (n :fail) " |"))
  (doseq [f files]
    (say "\n### " f ".cljc\n")
    (say "| # | deftest | testing | case | outcome | note |")
    (say "|---|---|---|---|---|---|")
    (doseq [[i r] (map-indexed vector (filter #(= f (:file %)) rows))]
      (say "| " (inc i) " | " (:test r) " | " (esc (:context r)) " | `" (esc (cut (:expected r))) "` | " (label (:class r)) " | " (esc (:note r)) " |")))
  (spit out (str sb)))
