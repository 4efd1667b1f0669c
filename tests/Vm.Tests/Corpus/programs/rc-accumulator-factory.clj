;; Source: Rosetta Code, task "Accumulator factory" (https://rosettacode.org/wiki/Accumulator_factory), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Accumulator-factory/Clojure/accumulator-factory-1.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-accumulator-factory; -main runs the task's example.
(ns corpus.rc-accumulator-factory)

(defn accum [n]
  (let [acc (atom n)]
    (fn [m] (swap! acc + m))))

(defn -main []
  (let [x (accum 1)]
    (x 5)
    (accum 3)
    (println (x 2.3))))
