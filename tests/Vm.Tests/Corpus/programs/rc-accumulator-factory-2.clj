;; Source: Rosetta Code, task "Accumulator factory" (https://rosettacode.org/wiki/Accumulator_factory), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Accumulator-factory/Clojure/accumulator-factory-2.clj
;;   (commit 051504d65b0747d55b3e373733174cd2a0702f62).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-accumulator-factory-2; -main runs the task's example.
(ns corpus.rc-accumulator-factory-2)

(defn accum [n]
  (let [acc (ref n)]
    #(dosync (alter acc + %))))

(defn -main []
  (let [x (accum 1)]
    (x 5)
    (accum 3)
    (println (x 2.3))))
