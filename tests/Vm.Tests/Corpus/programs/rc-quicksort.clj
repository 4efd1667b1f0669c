;; Source: Rosetta Code, task "Sorting algorithms Quicksort" (https://rosettacode.org/wiki/Sorting_algorithms_Quicksort), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Sorting-algorithms-Quicksort/Clojure/sorting-algorithms-quicksort-1.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-quicksort; -main sorts an example list.
(ns corpus.rc-quicksort)

(defn qsort [L]
  (if (empty? L)
      '()
      (let [[pivot & L2] L]
           (lazy-cat (qsort (for [y L2 :when (<  y pivot)] y))
                     (list pivot)
                     (qsort (for [y L2 :when (>= y pivot)] y))))))

(defn -main []
  (prn (qsort [65 28 59 33 21 56 22 95 50 12 90 53 28 77 39])))
