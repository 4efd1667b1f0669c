;; Source: Rosetta Code, task "Sorting algorithms Quicksort" (https://rosettacode.org/wiki/Sorting_algorithms_Quicksort), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Sorting-algorithms-Quicksort/Clojure/sorting-algorithms-quicksort-2.clj
;;   (commit 68f8f3e56bb6ba28a489481676a650092dab7ccf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-quicksort-2; -main sorts an example list.
(ns corpus.rc-quicksort-2)

(defn qsort [[pvt & rs]]
  (if pvt
    `(~@(qsort (filter #(<  % pvt) rs))
      ~pvt
      ~@(qsort (filter #(>= % pvt) rs)))))

(defn -main []
  (prn (qsort [65 28 59 33 21 56 22 95 50 12 90 53 28 77 39])))
