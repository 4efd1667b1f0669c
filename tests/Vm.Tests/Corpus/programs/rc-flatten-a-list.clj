;; Source: Rosetta Code, task "Flatten a list" (https://rosettacode.org/wiki/Flatten_a_list), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Flatten-a-list/Clojure/flatten-a-list-2.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-flatten-a-list; -main flattens the task's list.
(ns corpus.rc-flatten-a-list
  (:refer-clojure :exclude [flatten]))

(defn flatten [x]
  (filter (complement sequential?)
          (rest (tree-seq sequential? seq x))))

(defn -main []
  (prn (flatten '((1) 2 ((3 4) 5) ((())) (((6))) 7 8 ()))))
