;; Source: Rosetta Code, task "Sorting algorithms Merge sort" (https://rosettacode.org/wiki/Sorting_algorithms_Merge_sort), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Sorting-algorithms-Merge-sort/Clojure/sorting-algorithms-merge-sort.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-merge-sort; -main sorts an example list.
(ns corpus.rc-merge-sort
  (:refer-clojure :exclude [merge]))

(defn merge [left right]
  (cond (nil? left) right
        (nil? right) left
        :else (let [[l & *left] left
                    [r & *right] right]
                (if (<= l r) (cons l (merge *left right))
                             (cons r (merge left *right))))))

(defn merge-sort [list]
  (if (< (count list) 2)
    list
    (let [[left right] (split-at (/ (count list) 2) list)]
      (merge (merge-sort left) (merge-sort right)))))

(defn -main []
  (prn (merge-sort [65 28 59 33 21 56 22 95 50 12 90 53 28 77 39])))
