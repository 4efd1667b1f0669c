;; Source: Rosetta Code, task "Hamming numbers" (https://rosettacode.org/wiki/Hamming_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Hamming-numbers/Clojure/hamming-numbers-1.clj
;;   (commit 93cd5867218e541852fb9f20aa0bfbb858b4dddb).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-hamming-numbers; -main prints the task's first 20, 1691st and 10000th numbers.
(ns corpus.rc-hamming-numbers)

(defn smerge [xs ys]
  (lazy-seq
    (let [x (first xs),
          y (first ys),
          [z xs* ys*]
          (cond
            (< x y) [x (rest xs) ys]
            (> x y) [y xs (rest ys)]
            :else   [x (rest xs) (rest ys)])]
      (cons z (smerge xs* ys*)))))

(def hamming
  (lazy-seq
    (->> (map #(*' 5 %) hamming)
         (smerge (map #(*' 3 %) hamming))
         (smerge (map #(*' 2 %) hamming))
         (cons 1))))

(defn -main []
  (prn (take 20 hamming))
  (prn (nth hamming 1690))
  (prn (nth hamming 9999)))
